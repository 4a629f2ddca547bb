// Copies the benchmark figures of the last `npm run bench` (.bench/results.json) into README.md,
// between <!-- bench:start --> and <!-- bench:end -->:  node bench/readme-table.js
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

const results = JSON.parse(readFileSync(resolve(ROOT, '.bench/results.json'), 'utf8'));
const lines = [
  `Run of ${results.generatedAt.slice(0, 10)}, ${results.durationSeconds} s, Node.js ${results.node}, ${results.cpus} cores, ` +
    `${results.pinning.pinned ? results.pinning.why : 'not pinned'}:`,
  '',
  '| measure | target | result | |',
  '| --- | --- | --- | --- |',
  ...results.rows.map((row) => `| ${row.measure} | ${row.target} | ${row.result} | ${row.pass ? 'pass' : '**miss**'} |`),
  '',
  'Each probe route against its bare `node:http` stand-in, 100 connections (req/s are medians of the rounds; ratios are medians of the alternating pairs):',
  '',
  '| route | bare req/s | listener req/s | req/s | p99 | CPU µs/req |',
  '| --- | --- | --- | --- | --- | --- |',
  ...Object.entries(results.details.views).map(
    ([route, v]) =>
      `| ${route} | ${Math.round(v.baseline.rps).toLocaleString('en')} | ${Math.round(v.subject.rps).toLocaleString('en')} | ` +
      `${v.rpsRatio.toFixed(2)}× | ${v.p99Ratio.toFixed(2)}× | ${v.cpuRatio.toFixed(2)}× |`,
  ),
];
const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
const [before, rest] = readme.split(START);
const after = rest?.split(END)[1];
if (after === undefined) throw new Error(`README.md has no ${START} ... ${END} section`);
writeFileSync(resolve(ROOT, 'README.md'), `${before}${START}\n${lines.join('\n')}\n${END}${after}`);
console.log(`README.md: ${results.rows.length} benchmark rows`);
