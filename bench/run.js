// npm run bench: the readiness probe of nestjs-mqtt-health against a constant Nest controller (a), the
// module's snapshot against @nestjs/terminus running the same three checks per request (b), and the
// module's dedicated listener against a bare node:http server answering a constant (c, d).
//
// Servers run in child processes (bench/bench-server.js), autocannon in this process: on a 2-core machine
// the load generator and the server under test then each get an event loop and a core instead of sharing
// one, which would cap both sides at the same number and hide the ratio. The machine is noisy, so only
// ratios are compared, the two sides of a pair are measured in alternating short rounds (A B, B A, ...),
// and each side is summarised by its median round.
import { BenchServer } from './bench-server.js';
import { compileBenchApps, verifyAnswer } from './lib/bench-apps.js';
import { load, measure } from './lib/measure.js';
import { printHeader, printScenario, writeResults } from './lib/report.js';
import { SERVER_ENTRY, SETTINGS } from './lib/settings.js';

const INSTANT = { 'latency-ms': 0 };
/** The readiness body of the apps with the two instant indicators. */
const TWO_INSTANT_READINESS = {
  status: 'UP',
  components: { 'instant-a': { status: 'UP', details: INSTANT }, 'instant-b': { status: 'UP', details: INSTANT } },
};
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
          errors.push(
            `${scenario.key}/${side.app}: ${side.non2xx} non-2xx answers, ${side.errors} errors, ${side.timeouts} timeouts under load`,
          );
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

function sameKeys(object, keys) {
  return typeof object === 'object' && object !== null && JSON.stringify(Object.keys(object).sort()) === JSON.stringify(keys);
}

main().catch((error) => {
  console.error(`bench failed: ${error?.stack ?? error}`);
  process.exitCode = 1;
});
