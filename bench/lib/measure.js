import autocannon from 'autocannon';
import { READINESS_PATH, SETTINGS } from './settings.js';

/** Rounds alternate which side goes first (A B, B A, A B, ...) so a drift in machine load hits both sides alike. */
export async function measure(scenario, servers) {
  const rounds = { baseline: [], subject: [] };
  for (let round = 0; round < SETTINGS.rounds; round++) {
    const order = round % 2 === 0 ? ['baseline', 'subject'] : ['subject', 'baseline'];
    for (const role of order)
      rounds[role].push(await measureRound(servers[scenario[role].app], scenario.countSlowCalls, connectionsOf(scenario)));
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
    pass:
      (scenario.target === undefined || ratio >= scenario.target) &&
      (scenario.p99Max === undefined || p99Ratio <= scenario.p99Max) &&
      clean,
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

export function load(server, seconds, connections) {
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
