import autocannon from 'autocannon';
import { cpuMicros, median, watchForeignLoad } from './system.js';
import { SETTINGS } from './settings.js';

/**
 * One autocannon run against `url`; `seconds` or `amount`. With `latencies`, every answer's latency is
 * kept at full resolution (autocannon's own histogram rounds to whole milliseconds, too coarse for a
 * 1.2× bound on a p99 of a few ms).
 */
export async function load(url, { seconds, amount, connections, pipelining = SETTINGS.pipelining, latencies = false }) {
  const instance = autocannon({
    url,
    connections,
    pipelining,
    ...(amount ? { amount } : { duration: seconds }),
    sampleInt: SETTINGS.sampleMs,
    timeout: 10,
  });
  let kept = new Float64Array(latencies ? 1 << 16 : 0);
  let count = 0;
  if (latencies) {
    instance.on('response', (_client, _status, _bytes, ms) => {
      if (count === kept.length) kept = grow(kept);
      kept[count++] = ms;
    });
  }
  const result = await instance;
  return { result, latencies: kept.subarray(0, count).sort() };
}

/** One round against one server: throughput, latency and the server's CPU time per request. */
export async function round(server, url, options) {
  const ticksBefore = server.cpuTicks();
  const foreignLoad = watchForeignLoad(server.pid);
  const { result, latencies } = await load(url, { ...options, latencies: true });
  const ticks = server.cpuTicks() - ticksBefore;
  const foreign = foreignLoad();
  const requests = result.requests.total;
  return {
    rps: requests / result.duration,
    requests,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.length ? latencies[latencies.length - 1] : NaN,
    cpuUs: cpuMicros(ticks, requests),
    foreign,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/**
 * A subject and its baseline in alternating rounds (A B, B A, ...), so a drift in machine load hits
 * both alike; `sides` are { server, url }. Ratios are medians of the per-pair ratios.
 */
export async function comparePaired(baseline, subject, { rounds, seconds, connections }) {
  const runs = { baseline: [], subject: [] };
  let retried = 0;
  const budget = retryBudget(rounds);
  for (let i = 0; i < rounds; i++) {
    const pair = await measurePair(baseline, subject, i % 2 === 1, { seconds, connections }, budget);
    runs.baseline.push(pair.baseline);
    runs.subject.push(pair.subject);
    retried += pair.retried;
  }
  return pairSummary(runs.baseline, runs.subject, retried);
}

/** Re-measurements allowed for `pairs` pairs, so that a busy machine cannot stretch the bench without bound. */
export function retryBudget(pairs) {
  return { left: Math.ceil(pairs * SETTINGS.noise.budget) };
}

/**
 * One round of each side, subject first when `subjectFirst`. Measured again while other processes took
 * more than SETTINGS.noise.maxForeign of a core: at most SETTINGS.noise.retries times, within `budget`.
 */
export async function measurePair(baseline, subject, subjectFirst, options, budget) {
  for (let retried = 0; ; retried++) {
    const pair = {};
    for (const role of subjectFirst ? ['subject', 'baseline'] : ['baseline', 'subject']) {
      const side = role === 'baseline' ? baseline : subject;
      pair[role] = await round(side.server, side.url, options);
    }
    const disturbed = [pair.baseline, pair.subject].some((r) => r.foreign > SETTINGS.noise.maxForeign);
    if (!disturbed || retried === SETTINGS.noise.retries || budget.left === 0) return { ...pair, retried };
    budget.left--;
  }
}

/**
 * Indexes of the pairs to compare: those that no other process disturbed (both rounds under
 * SETTINGS.noise.maxForeign of a core), when there are at least two of them; else every pair.
 */
export function usablePairs(pairs) {
  const calm = (run) => !(run.foreign > SETTINGS.noise.maxForeign);
  const clean = pairs.flatMap(([a, b], i) => (calm(a) && calm(b) ? [i] : []));
  return clean.length >= 2 ? clean : pairs.map((_, i) => i);
}

export function pairSummary(baselineRuns, subjectRuns, retried = 0) {
  const used = usablePairs(baselineRuns.map((run, i) => [run, subjectRuns[i]]));
  const pairs = (field) => median(used.map((i) => subjectRuns[i][field] / baselineRuns[i][field]));
  return {
    baseline: summarise(baselineRuns, used),
    subject: summarise(subjectRuns, used),
    rpsRatio: pairs('rps'),
    p99Ratio: pairs('p99'),
    cpuRatio: pairs('cpuUs'),
    pairs: { used: used.length, of: subjectRuns.length, retried },
    foreign: median([...baselineRuns, ...subjectRuns].map((r) => r.foreign)),
  };
}

/** Medians over the `used` rounds; requests and failures over all of them. */
export function summarise(runs, used = runs.map((_, i) => i)) {
  const sum = (field) => runs.reduce((total, r) => total + r[field], 0);
  const of = (field) => median(used.map((i) => runs[i][field]));
  return {
    rps: of('rps'),
    roundsRps: runs.map((r) => Math.round(r.rps)),
    p50: of('p50'),
    p99: of('p99'),
    max: Math.max(...runs.map((r) => r.max)),
    cpuUs: of('cpuUs'),
    requests: sum('requests'),
    failures: sum('non2xx') + sum('errors') + sum('timeouts'),
  };
}

export function percentile(sorted, fraction) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

function grow(array) {
  const bigger = new Float64Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
