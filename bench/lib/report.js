import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, relative } from 'node:path';
import { READINESS_PATH, RESULTS_FILE, SETTINGS } from './settings.js';

export function printHeader() {
  const { connections, pipelining, rounds, roundSeconds, warmupSeconds } = SETTINGS;
  console.log(
    `\nnestjs-mqtt-health bench: node ${process.version}, ${os.cpus().length} CPUs, autocannon ${connections} connections unless a scenario says otherwise, pipelining ${pipelining}`,
  );
  console.log(
    `each side: ${warmupSeconds} s warm-up, then ${rounds} rounds × ${roundSeconds} s, alternating with its counterpart; servers in child processes\n`,
  );
}

export function printScenario(scenario, result, earlier) {
  const rows = [
    ['app', 'median req/s', 'req/s per round', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
    ...[result.baseline, result.subject].map((s) => [
      s.label,
      int(s.medianRps),
      s.roundsRps.map(int).join(' '),
      String(s.latencyP50Ms),
      String(s.latencyP99Ms),
      String(s.non2xx),
      String(s.errors + s.timeouts),
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  console.log(`${scenario.title} — ${result.connections} connections`);
  for (const row of rows)
    console.log(
      '  ' +
        row.map((cell, column) => (column === 0 || column === 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('   '),
    );
  const { min, median: pairMedian, max } = result.pairRatios;
  const rpsTarget =
    scenario.target === undefined ? 'no target' : `target ≥ ${scenario.target}×   ${verdict(result.ratio >= scenario.target)}`;
  console.log(
    `  req/s ratio HealthModule / ${scenario.baseline.app}: ${result.ratio.toFixed(2)}× (per round pair: median ${pairMedian.toFixed(2)}×, ${min.toFixed(2)}–${max.toFixed(2)}×)   ${rpsTarget}`,
  );
  if (scenario.p99Max !== undefined) {
    console.log(
      `  p99 ratio HealthModule / ${scenario.baseline.app}: ${result.p99Ratio.toFixed(2)}×   target ≤ ${scenario.p99Max}×   ${verdict(result.p99Ratio <= scenario.p99Max)}`,
    );
    const failures = result.subject.non2xx + result.subject.errors + result.subject.timeouts;
    console.log(`  errors, timeouts and non-2xx answers of HealthModule: ${failures}   target 0   ${verdict(failures === 0)}`);
  }
  const runs = result.slowDependencyRuns;
  if (runs) {
    console.log(
      `  20 ms indicator runs while measured: HealthModule ${runs.subject.runs} in ${seconds(runs.subject.windowMs)} ` +
        `(bound Σ ⌊window/refreshInterval⌋+1 over ${SETTINGS.rounds} rounds = ${runs.subject.bound})   ${verdict(runs.subject.pass)}`,
    );
    console.log(
      `                                      Terminus ${int(runs.baseline.runs)} in ${seconds(runs.baseline.windowMs)} (one per request; ${int(runs.baseline.requests)} requests completed)`,
    );
    const constant = earlier.readiness?.baseline.medianRps;
    const needed =
      scenario.target === undefined
        ? ''
        : `; ${scenario.target}× its median needs ≥ ${int(scenario.target * result.baseline.medianRps)} req/s`;
    console.log(
      `  note: Terminus is capped at ${result.connections} connections × 1000/${SETTINGS.slowIndicatorMs} ms = ${int(result.baselineCeilingRps)} req/s` +
        needed +
        (constant ? ` (the constant controller in (a): ${int(constant)} req/s)` : ''),
    );
  }
  console.log('');
}

export function writeResults(results, errors) {
  const report = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    settings: { ...SETTINGS, path: READINESS_PATH },
    scenarios: results,
    targetsMet: Object.values(results).every((r) => r.pass && (r.slowDependencyRuns?.subject.pass ?? true)),
    errors,
  };
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, JSON.stringify(report, null, 2) + '\n');
  console.log(`results written to ${relative(process.cwd(), RESULTS_FILE)}`);
}

const int = (n) => Math.round(n).toLocaleString('en-US');
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const verdict = (pass) => (pass ? 'PASS' : 'MISS');
