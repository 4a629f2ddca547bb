import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, relative } from 'node:path';
import { CLK_TCK, PINNING } from './system.js';
import { RESULTS_FILE, SETTINGS } from './settings.js';

export const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
export const fixed = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '—');
export const times = (n) => `${fixed(n)}×`;
export const mb = (bytes) => `${fixed(bytes / 2 ** 20, 1)} MB`;
export const verdict = (pass) => (pass === undefined ? 'info' : pass ? 'PASS' : 'MISS');

export function printHeader() {
  console.log(`\nnestjs-mqtt-health bench: node ${process.version}, ${os.cpus().length} CPUs, ${PINNING.why}, CLK_TCK ${CLK_TCK}`);
  console.log(
    'servers in child processes, autocannon in this one; each subject paired with its baseline in alternating rounds ' +
      `(A B, B A, ...); ratios are medians of the per-pair ratios; CPU µs/req is the server's utime+stime per answered request\n`,
  );
}

/** Prints rows of cells as an aligned table; the first row is the header. `right`: columns aligned right. */
export function printTable(rows, right = (column) => column > 0, indent = '  ') {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  for (const row of rows) {
    const cells = row.map((cell, column) => (right(column) ? String(cell).padStart(widths[column]) : String(cell).padEnd(widths[column])));
    console.log(indent + cells.join('   ').trimEnd());
  }
}

/** A subject and its baseline: one line each, then the ratios. */
export function printComparison(title, labels, result) {
  console.log(title);
  printTable(
    [
      ['side', 'median req/s', 'req/s per round', 'p50 ms', 'p99 ms', 'max ms', 'CPU µs/req', 'failed'],
      ...['baseline', 'subject'].map((role) => {
        const s = result[role];
        return [
          labels[role],
          int(s.rps),
          s.roundsRps.map(int).join(' '),
          fixed(s.p50),
          fixed(s.p99),
          fixed(s.max, 0),
          fixed(s.cpuUs),
          s.failures,
        ];
      }),
    ],
    (column) => column > 0 && column !== 2,
  );
  console.log(
    `  per-pair medians: req/s ${times(result.rpsRatio)}, p99 ${times(result.p99Ratio)}, CPU µs/req ${times(result.cpuRatio)}` +
      `; ${result.pairs.used} of ${result.pairs.of} pairs undisturbed and compared, ${result.pairs.retried} measured again (other processes on the cores)\n`,
  );
}

/** The table every run ends with: each row, its target, what was measured, PASS or MISS. */
export function printSummary(rows) {
  console.log('\n| measure | target | result | verdict |\n| --- | --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.measure} | ${row.target} | ${row.result} | ${verdict(row.pass)} |`);
  const missed = rows.filter((row) => row.pass === false).length;
  console.log(`\n${rows.length} rows, ${missed ? `${missed} missed` : 'every target met'}`);
}

export function writeResults(rows, details, errors, startedAt) {
  const report = {
    generatedAt: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    node: process.version,
    cpus: os.cpus().length,
    pinning: PINNING,
    clockTicksPerSecond: CLK_TCK,
    settings: SETTINGS,
    rows: rows.map(({ key, measure, target, result, pass }) => ({ key, measure, target, result, pass })),
    details,
    targetsMet: rows.every((row) => row.pass !== false) && errors.length === 0,
    errors,
  };
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, JSON.stringify(report, null, 2) + '\n');
  console.log(`results written to ${relative(process.cwd(), RESULTS_FILE)}`);
}
