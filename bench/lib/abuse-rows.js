// The listener under scrapes, volume and abuse: one snapshot per /metrics scrape of a 50-component tree
// in on-request mode, memory after 1M probes, and a fresh client's readiness during a pipelined flood.
import { get, verifyAnswer } from './bench-apps.js';
import { flood } from './flood.js';
import { load, percentile } from './measure.js';
import { cpuMicros } from './system.js';
import { fixed, int, mb, printTable } from './report.js';
import { READINESS_PATH, SETTINGS } from './settings.js';
import { TWO_INSTANT_READINESS } from './listener-rows.js';

const COMPONENT_STATUS = /^mqtt_health_component_status\{component="(tree-\d+)",status="([A-Z_]+)"\} 1$/gm;

export async function scrapeRow(servers, details) {
  const tree = await servers.get('tree');
  const url = `${tree.url}/metrics`;
  await get(url);
  const scrapes = SETTINGS.scrapes;
  const before = await tree.counters();
  const ticksBefore = tree.cpuTicks();
  const durations = [];
  let mixed = 0;
  let incomplete = 0;
  let bytes = 0;
  for (let i = 0; i < scrapes; i++) {
    const startedAt = performance.now();
    const { statusCode, body } = await get(url);
    durations.push(performance.now() - startedAt);
    bytes = body.length;
    // The tree's statuses alternate between refreshes (UP, DEGRADED): one snapshot shows one of them.
    const statuses = new Map([...body.matchAll(COMPONENT_STATUS)].map(([, component, status]) => [component, status]));
    if (statusCode !== 200 || statuses.size !== SETTINGS.treeSize) incomplete++;
    if (new Set(statuses.values()).size > 1) mixed++;
  }
  const cpuUs = cpuMicros(tree.cpuTicks() - ticksBefore, scrapes);
  const after = await tree.counters();
  const calls = after.tree.map((count, i) => count - before.tree[i]);
  const exact = calls.every((count) => count === scrapes);
  durations.sort((a, b) => a - b);
  const perScrape = { p50Ms: percentile(durations, 0.5), maxMs: durations.at(-1), cpuMs: cpuUs / 1000, kilobytes: bytes / 1024 };
  console.log(`GET /metrics of a ${SETTINGS.treeSize}-component tree, on-request mode, ${scrapes} scrapes one after another`);
  console.log(
    `  indicator calls per indicator: min ${Math.min(...calls)}, max ${Math.max(...calls)} (exactly ${scrapes} expected); ` +
      `scrapes mixing two refreshes: ${mixed}; incomplete: ${incomplete}`,
  );
  console.log(
    `  per scrape: p50 ${fixed(perScrape.p50Ms)} ms, max ${fixed(perScrape.maxMs)} ms, server CPU ${fixed(perScrape.cpuMs)} ms, ${fixed(perScrape.kilobytes, 0)} KB\n`,
  );
  details.scrape = { scrapes, calls, mixed, incomplete, perScrape };
  await servers.release('tree');
  return [
    {
      key: 'scrape',
      measure: `/metrics scrape of a ${SETTINGS.treeSize}-component tree (on-request mode)`,
      target: 'exactly 1 indicator call per indicator per scrape; time reported',
      result: `${exact ? 'exactly 1' : `${Math.min(...calls) / scrapes}–${Math.max(...calls) / scrapes}`} call per indicator per scrape, ${mixed} mixed; p50 ${fixed(perScrape.p50Ms, 1)} ms, CPU ${fixed(perScrape.cpuMs, 1)} ms per scrape`,
      pass: exact && mixed === 0 && incomplete === 0,
    },
  ];
}

export async function leakRow(servers, details) {
  const listener = await servers.get('listener');
  const url = listener.url + READINESS_PATH;
  await verifyAnswer('listener', url, TWO_INSTANT_READINESS);
  const { requests, connections, pipelining } = SETTINGS.leak;
  const before = await listener.memory();
  let peak = listener.rssBytes();
  const sampler = setInterval(() => (peak = Math.max(peak, listener.rssBytes())), 100);
  const startedAt = performance.now();
  let [answered, failures] = [0, 0];
  // autocannon can stop a little short of `amount` with pipelining: top up until every probe is answered.
  while (answered < requests) {
    const amount = Math.max(requests - answered, connections * pipelining);
    const { result } = await load(url, { amount, connections, pipelining });
    answered += result.requests.total;
    failures += result.non2xx + result.errors + result.timeouts;
  }
  const seconds = (performance.now() - startedAt) / 1000;
  clearInterval(sampler);
  const after = await listener.memory();
  const growth = after.rss - before.rss;
  console.log(`${int(answered)} probes of ${READINESS_PATH} on the listener (${connections} connections, pipelining ${pipelining})`);
  printTable([
    ['', 'RSS', 'heap used', 'external + buffers'],
    ['before, after 2 GCs', mb(before.rss), mb(before.heapUsed), mb(before.external + before.arrayBuffers)],
    ['after, after 2 GCs', mb(after.rss), mb(after.heapUsed), mb(after.external + after.arrayBuffers)],
    ['peak during the run', mb(peak), '', ''],
  ]);
  console.log(`  ${fixed(seconds, 1)} s, ${int(answered / seconds)} req/s, ${failures} failed\n`);
  details.leak = { requests: answered, seconds, failures, before, after, peakRss: peak };
  return [
    {
      key: 'leak',
      measure: `${int(requests)} probes on the listener: RSS growth (after GC)`,
      target: '< 20 MB',
      result: `${mb(growth)} (RSS ${mb(before.rss)} → ${mb(after.rss)}, heap ${mb(before.heapUsed)} → ${mb(after.heapUsed)}, peak ${mb(peak)})`,
      pass: growth < 20 * 2 ** 20 && failures === 0,
    },
  ];
}

export async function floodRow(servers, details) {
  const server = await servers.get('flood');
  await verifyAnswer('flood', `${server.url}/readyz`, (body, { statusCode }) => statusCode === 200 && body?.status === 'ready');
  const { connections, requestsEach, seconds, probeEveryMs } = SETTINGS.flood;
  const r = await flood(server, { path: '/metrics', probePath: '/readyz', connections, requestsEach, seconds, probeEveryMs });
  console.log(
    `${connections} connections pipelining ${int(requestsEach)} GET /metrics each (${SETTINGS.treeSize}-component tree), ` +
      `a fresh connection's GET /readyz every ${probeEveryMs} ms, for ${seconds} s`,
  );
  console.log(
    `  flood: ${int(r.answers)} answers (${int(r.answersPerSecond)}/s, ${fixed(r.megabytes, 0)} MB), ${r.closedByServer} connections closed by the server, ` +
      `server CPU ${fixed(r.cpuSeconds, 1)} s`,
  );
  console.log(
    `  /readyz: ${r.probes} probes, ${r.probeFailures} failed, p50 ${fixed(r.probeP50Ms, 1)} ms, worst ${fixed(r.probeWorstMs, 1)} ms; server RSS peak ${mb(r.maxRssBytes)}\n`,
  );
  details.flood = r;
  await servers.release('flood');
  return [
    {
      key: 'flood',
      measure: `${connections} connections pipelining ${int(requestsEach)} GET /metrics each`,
      target: "fresh client's /readyz worst < 1 s, server RSS < 400 MB",
      result: `worst ${fixed(r.probeWorstMs, 1)} ms over ${r.probes} probes (${r.probeFailures} failed), RSS peak ${mb(r.maxRssBytes)}, ${int(r.answers)} flood answers`,
      pass: r.probeWorstMs < 1000 && r.probeFailures === 0 && r.probes > 0 && r.maxRssBytes < 400 * 2 ** 20,
    },
  ];
}
