// CPU per `/fleet` request against a readiness probe on the same broker: a bounded number of requests
// per round, the two routes in alternating rounds (F R, R F, ...), the broker's CPU time per request read
// around each round with its idle CPU rate taken off, and the ratio as the median of the per-pair ratios.
import autocannon from 'autocannon';
import { setTimeout as sleep } from 'node:timers/promises';
import { SETTINGS } from '../lib/settings.js';
import { watchForeignLoad } from '../lib/system.js';

export const FLEET_PATH = '/api/v1/health/fleet';
export const READINESS_PATH = '/api/v1/health/readiness';

const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** The broker's CPU nanoseconds per millisecond while nothing asks it anything. */
async function idleRate(broker, ms) {
  const cpu0 = broker.cpuNanos();
  const t0 = performance.now();
  await sleep(ms);
  return (broker.cpuNanos() - cpu0) / (performance.now() - t0);
}

async function round(broker, path, { requests, connections }, idleNanosPerMs) {
  const foreign = watchForeignLoad(broker.pid);
  const cpu0 = broker.cpuNanos();
  const t0 = performance.now();
  // autocannon ends a run on a sampling tick: a short one, so a round is not padded with idle time.
  const result = await autocannon({
    url: `http://127.0.0.1:${broker.healthPort}${path}`,
    amount: requests,
    connections,
    sampleInt: 20,
    timeout: 10,
  });
  const ms = performance.now() - t0;
  const nanos = broker.cpuNanos() - cpu0 - idleNanosPerMs * ms;
  const answered = result.requests.total;
  return {
    micros: nanos / 1000 / answered,
    rps: (answered * 1000) / ms,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    foreign: foreign(),
  };
}

/**
 * `pairs` alternating pairs of `requests` each; returns CPU µs per request of each route (medians),
 * the median of the per-pair ratios, req/s, failures and the broker's idle CPU share.
 */
export async function fleetCost(broker, { pairs, requests, connections }) {
  const options = { requests, connections };
  // Warm both routes (JIT, connection pools) before anything is counted.
  await autocannon({ url: `http://127.0.0.1:${broker.healthPort}${FLEET_PATH}`, amount: requests / 2, connections, sampleInt: 20 });
  await autocannon({ url: `http://127.0.0.1:${broker.healthPort}${READINESS_PATH}`, amount: requests / 2, connections, sampleInt: 20 });
  const idle = await idleRate(broker, 1000);
  const fleet = [];
  const readiness = [];
  let retries = 0;
  // As the other benches: a pair is measured again when anything else took more than maxForeign of the
  // broker's core or this process's (someone else's test run), within a budget.
  const { maxForeign, budget } = SETTINGS.noise;
  const retryBudget = Math.ceil(pairs * budget);
  for (let i = 0; i < pairs; i++) {
    for (;;) {
      const first = await round(broker, i % 2 === 0 ? FLEET_PATH : READINESS_PATH, options, idle);
      const second = await round(broker, i % 2 === 0 ? READINESS_PATH : FLEET_PATH, options, idle);
      if (Math.max(first.foreign, second.foreign) > maxForeign && retries < retryBudget) {
        retries++;
        continue;
      }
      fleet.push(i % 2 === 0 ? first : second);
      readiness.push(i % 2 === 0 ? second : first);
      break;
    }
  }
  const failed = [...fleet, ...readiness].reduce((sum, r) => sum + r.non2xx + r.errors, 0);
  return {
    fleetMicros: median(fleet.map((r) => r.micros)),
    readinessMicros: median(readiness.map((r) => r.micros)),
    ratio: median(fleet.map((r, i) => r.micros / readiness[i].micros)),
    fleetRps: median(fleet.map((r) => r.rps)),
    readinessRps: median(readiness.map((r) => r.rps)),
    failed,
    idleShare: idle / 1e6,
    retries,
    foreignMax: Math.max(...[...fleet, ...readiness].map((r) => r.foreign)),
  };
}
