// npm run bench: the readiness probe of nestjs-mqtt-health against a constant Nest controller (a), the
// module's snapshot against @nestjs/terminus running the same three checks per request (b), and the
// module's dedicated listener against a bare node:http server answering a constant (c, d).
//
// Servers run in child processes (bench/bench-server.js), autocannon in this process: on a 2-core machine
// the load generator and the server under test then each get an event loop and a core instead of sharing
// one, which would cap both sides at the same number and hide the ratio. The machine is noisy, so only
// ratios are compared, the two sides of a pair are measured in alternating short rounds (A B, B A, ...),
// and each side is summarised by its median round.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { BenchServer } from './bench-server.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BENCH_DIST = join(ROOT, 'bench/dist');
const SERVER_ENTRY = join(BENCH_DIST, 'apps/main.js');
const RESULTS_FILE = join(ROOT, '.bench/results.json');
const READINESS_PATH = '/api/v1/health/readiness';

const SETTINGS = {
  connections: 50,
  pipelining: 1,
  rounds: 5,
  // autocannon stops on its 1 s sampling tick, so rounds are whole seconds.
  roundSeconds: 2,
  warmupSeconds: 2,
  refreshIntervalMs: 1000,
  // Mirrors SLOW_DEPENDENCY_MS in bench/apps/dependencies.ts.
  slowIndicatorMs: 20,
};

const INSTANT = { 'latency-ms': 0 };
/** The readiness body of the apps with the two instant indicators. */
const TWO_INSTANT_READINESS = { status: 'UP', components: { 'instant-a': { status: 'UP', details: INSTANT }, 'instant-b': { status: 'UP', details: INSTANT } } };
const SCENARIOS = [
  {
    key: 'readiness',
    title: '(a) GET /api/v1/health/readiness: HealthModule vs a constant Nest controller (Express)',
    baseline: { app: 'constant', label: "constant controller {status:'UP'}", expect: { status: 'UP' } },
    subject: {
      app: 'readiness',
      label: 'HealthModule readiness (2 indicators)',
      expect: TWO_INSTANT_READINESS,
    },
    target: 0.9,
    countSlowCalls: false,
  },
  {
    key: 'indicators',
    title: '(b) 3 indicators (2 instant, 1 awaiting 20 ms): HealthModule snapshot vs Terminus HealthCheckService',
    baseline: {
      app: 'terminus',
      label: 'Terminus, checks run per request',
      expect: (body) => body?.status === 'ok' && sameKeys(body.details, ['instant-a', 'instant-b', 'slow']),
    },
    subject: {
      app: 'snapshot',
      label: 'HealthModule, refreshed every 1000 ms',
      expect: (body) => body?.status === 'UP' && sameKeys(body.components, ['instant-a', 'instant-b', 'slow']),
    },
    target: 8,
    countSlowCalls: true,
    // Probe traffic (kubelet, HAProxy) is a handful of concurrent connections; at 50, Terminus is capped by the
    // 20 ms check (50 × 1000/20 = 2,500 req/s) and the module by Express itself, see the row below.
    connections: 10,
  },
  {
    key: 'indicators-50',
    title: '(b at 50 connections, for reference) the same pair under heavier concurrency',
    baseline: { app: 'terminus', label: 'Terminus, checks run per request', expect: (body) => body?.status === 'ok' },
    subject: { app: 'snapshot', label: 'HealthModule, refreshed every 1000 ms', expect: (body) => body?.status === 'UP' },
    countSlowCalls: true,
  },
  {
    key: 'listener',
    title: '(c) readiness on the dedicated health listener vs a bare node:http server answering a constant',
    baseline: { app: 'bare', label: 'bare node:http, constant body', expect: { status: 'UP' } },
    subject: {
      app: 'listener',
      label: 'HealthModule dedicated listener',
      expect: TWO_INSTANT_READINESS,
    },
    target: 0.8,
    p99Max: 1.5,
  },
  {
    key: 'listener-1000',
    title: '(d) the same pair with 1000 connections',
    baseline: { app: 'bare', label: 'bare node:http, constant body', expect: { status: 'UP' } },
    subject: { app: 'listener', label: 'HealthModule dedicated listener', expect: (body) => body?.status === 'UP' },
    p99Max: 2,
    connections: 1000,
  },
];

async function main() {
  compileBenchApps();
  const errors = [];
  const servers = {};
  try {
    const apps = [...new Set(SCENARIOS.flatMap((s) => [s.baseline.app, s.subject.app]))];
    // Each server is recorded as soon as it starts, so `finally` closes it even if another fails to start.
    const started = await Promise.allSettled(apps.map(async (app) => (servers[app] = await BenchServer.start(SERVER_ENTRY, app))));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    for (const scenario of SCENARIOS) {
      for (const side of [scenario.baseline, scenario.subject]) await verifyAnswer(servers[side.app], side.expect);
    }
    printHeader();
    // Warm every app up (JIT, connection pools) before anything is recorded.
    for (const server of Object.values(servers)) await load(server, SETTINGS.warmupSeconds, SETTINGS.connections);

    const results = {};
    for (const scenario of SCENARIOS) {
      const result = await measure(scenario, servers);
      results[scenario.key] = result;
      printScenario(scenario, result, results);
      for (const side of [result.baseline, result.subject]) {
        if (side.non2xx || side.errors || side.timeouts) {
          errors.push(`${scenario.key}/${side.app}: ${side.non2xx} non-2xx answers, ${side.errors} errors, ${side.timeouts} timeouts under load`);
        }
      }
    }
    for (const error of errors) console.error(`ERROR ${error}`);
    writeResults(results, errors);
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.close()));
  }
  if (errors.length) process.exitCode = 1;
}

/** tsc from node_modules run directly (what `npx tsc` would find), without npx's own start-up and registry fallback. */
function compileBenchApps() {
  // From scratch, so a renamed or deleted app cannot linger in bench/dist.
  rmSync(BENCH_DIST, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const { status, error } = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'bench/tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
  if (error || status !== 0) throw new Error(`compiling bench/apps failed (${error?.message ?? `tsc exited ${status}`})`);
}

/** A misconfigured app (404, DOWN, wrong indicators) would make the throughput numbers meaningless. */
async function verifyAnswer(server, expect) {
  const response = await fetch(server.url + READINESS_PATH, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const ok = typeof expect === 'function' ? expect(body) : JSON.stringify(body) === JSON.stringify(expect);
  if (response.status !== 200 || !ok) throw new Error(`bench app "${server.name}" answered ${response.status} ${text.slice(0, 300)}`);
}

/** Rounds alternate which side goes first (A B, B A, A B, ...) so a drift in machine load hits both sides alike. */
async function measure(scenario, servers) {
  const rounds = { baseline: [], subject: [] };
  for (let round = 0; round < SETTINGS.rounds; round++) {
    const order = round % 2 === 0 ? ['baseline', 'subject'] : ['subject', 'baseline'];
    for (const role of order) rounds[role].push(await measureRound(servers[scenario[role].app], scenario.countSlowCalls, connectionsOf(scenario)));
  }
  const baseline = summarise(scenario.baseline, rounds.baseline);
  const subject = summarise(scenario.subject, rounds.subject);
  const ratio = subject.medianRps / baseline.medianRps;
  const pairRatios = rounds.subject.map((r, i) => r.rps / rounds.baseline[i].rps);
  const p99Ratio = subject.latencyP99Ms / Math.max(baseline.latencyP99Ms, 1);
  const clean = subject.non2xx + subject.errors + subject.timeouts === 0;
  const result = {
    title: scenario.title,
    connections: connectionsOf(scenario),
    baseline,
    subject,
    ratio,
    pairRatios: { min: Math.min(...pairRatios), median: median(pairRatios), max: Math.max(...pairRatios) },
    target: scenario.target,
    p99Ratio,
    p99Max: scenario.p99Max,
    pass: (scenario.target === undefined || ratio >= scenario.target) && (scenario.p99Max === undefined || p99Ratio <= scenario.p99Max) && clean,
  };
  if (scenario.countSlowCalls) {
    // Each round's window is timed by the app's clock; a refresher that starts every refreshIntervalMs runs
    // the slow check at most window/refreshInterval + 1 times in it, summed over the rounds.
    const bound = rounds.subject.reduce((sum, r) => sum + Math.floor(r.windowMs / SETTINGS.refreshIntervalMs) + 1, 0);
    // Terminus holds each connection for the 20 ms check, so it cannot exceed connections × pipelining / 20 ms.
    result.baselineCeilingRps = (connectionsOf(scenario) * SETTINGS.pipelining * 1000) / SETTINGS.slowIndicatorMs;
    result.slowDependencyRuns = {
      subject: { runs: subject.slowCalls, windowMs: subject.windowMs, bound, pass: subject.slowCalls <= bound },
      baseline: { runs: baseline.slowCalls, windowMs: baseline.windowMs, requests: baseline.requests },
    };
  }
  return result;
}

function connectionsOf(scenario) {
  return scenario.connections ?? SETTINGS.connections;
}

async function measureRound(server, countSlowCalls, connections) {
  const before = countSlowCalls ? await server.slowCalls() : undefined;
  const result = await load(server, SETTINGS.roundSeconds, connections);
  const after = countSlowCalls ? await server.slowCalls() : undefined;
  return {
    rps: result.requests.total / result.duration,
    requests: result.requests.total,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    ...(countSlowCalls ? { slowCalls: after.count - before.count, windowMs: after.at - before.at } : {}),
  };
}

function load(server, seconds, connections) {
  return autocannon({
    url: server.url + READINESS_PATH,
    connections,
    pipelining: SETTINGS.pipelining,
    duration: seconds,
  });
}

function summarise(side, rounds) {
  const sum = (field) => rounds.reduce((total, r) => total + (r[field] ?? 0), 0);
  return {
    app: side.app,
    label: side.label,
    medianRps: median(rounds.map((r) => r.rps)),
    roundsRps: rounds.map((r) => Math.round(r.rps)),
    latencyP50Ms: median(rounds.map((r) => r.latencyP50Ms)),
    latencyP99Ms: median(rounds.map((r) => r.latencyP99Ms)),
    requests: sum('requests'),
    non2xx: sum('non2xx'),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    ...(rounds[0].slowCalls !== undefined ? { slowCalls: sum('slowCalls'), windowMs: sum('windowMs') } : {}),
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function printHeader() {
  const { connections, pipelining, rounds, roundSeconds, warmupSeconds } = SETTINGS;
  console.log(`\nnestjs-mqtt-health bench: node ${process.version}, ${os.cpus().length} CPUs, autocannon ${connections} connections unless a scenario says otherwise, pipelining ${pipelining}`);
  console.log(`each side: ${warmupSeconds} s warm-up, then ${rounds} rounds × ${roundSeconds} s, alternating with its counterpart; servers in child processes\n`);
}

function printScenario(scenario, result, earlier) {
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
  for (const row of rows) console.log('  ' + row.map((cell, column) => (column === 0 || column === 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('   '));
  const { min, median: pairMedian, max } = result.pairRatios;
  const rpsTarget = scenario.target === undefined ? 'no target' : `target ≥ ${scenario.target}×   ${verdict(result.ratio >= scenario.target)}`;
  console.log(
    `  req/s ratio HealthModule / ${scenario.baseline.app}: ${result.ratio.toFixed(2)}× (per round pair: median ${pairMedian.toFixed(2)}×, ${min.toFixed(2)}–${max.toFixed(2)}×)   ${rpsTarget}`,
  );
  if (scenario.p99Max !== undefined) {
    console.log(`  p99 ratio HealthModule / ${scenario.baseline.app}: ${result.p99Ratio.toFixed(2)}×   target ≤ ${scenario.p99Max}×   ${verdict(result.p99Ratio <= scenario.p99Max)}`);
    const failures = result.subject.non2xx + result.subject.errors + result.subject.timeouts;
    console.log(`  errors, timeouts and non-2xx answers of HealthModule: ${failures}   target 0   ${verdict(failures === 0)}`);
  }
  const runs = result.slowDependencyRuns;
  if (runs) {
    console.log(
      `  20 ms indicator runs while measured: HealthModule ${runs.subject.runs} in ${seconds(runs.subject.windowMs)} ` +
        `(bound Σ ⌊window/refreshInterval⌋+1 over ${SETTINGS.rounds} rounds = ${runs.subject.bound})   ${verdict(runs.subject.pass)}`,
    );
    console.log(`                                      Terminus ${int(runs.baseline.runs)} in ${seconds(runs.baseline.windowMs)} (one per request; ${int(runs.baseline.requests)} requests completed)`);
    const constant = earlier.readiness?.baseline.medianRps;
    const needed = scenario.target === undefined ? '' : `; ${scenario.target}× its median needs ≥ ${int(scenario.target * result.baseline.medianRps)} req/s`;
    console.log(
      `  note: Terminus is capped at ${result.connections} connections × 1000/${SETTINGS.slowIndicatorMs} ms = ${int(result.baselineCeilingRps)} req/s` +
        needed +
        (constant ? ` (the constant controller in (a): ${int(constant)} req/s)` : ''),
    );
  }
  console.log('');
}

function writeResults(results, errors) {
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

function sameKeys(object, keys) {
  return typeof object === 'object' && object !== null && JSON.stringify(Object.keys(object).sort()) === JSON.stringify(keys);
}

const int = (n) => Math.round(n).toLocaleString('en-US');
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const verdict = (pass) => (pass ? 'PASS' : 'MISS');

main().catch((error) => {
  console.error(`bench failed: ${error?.stack ?? error}`);
  process.exitCode = 1;
});
