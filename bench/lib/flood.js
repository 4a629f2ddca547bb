import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from './measure.js';
import { CLK_TCK } from './system.js';

const ANSWER_START = Buffer.from('HTTP/1.1 ');

/**
 * `connections` raw sockets each write `requestsEach` pipelined GETs of `path` at once and read (and
 * count) whatever comes back, for `seconds`; meanwhile a fresh client opens a new connection every
 * `probeEveryMs` for GET `probePath` and times it, and the server's RSS is sampled.
 */
export async function flood(server, { path, probePath, connections, requestsEach, seconds, probeEveryMs }) {
  const { port } = new URL(server.url);
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: bench\r\n\r\n`);
  const payload = Buffer.alloc(request.length * requestsEach, request);
  const flooders = Array.from({ length: connections }, () => flooder(Number(port), payload));
  const ticksBefore = server.cpuTicks();
  let maxRss = server.rssBytes();
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, server.rssBytes())), 50);
  const probes = [];
  const prober = setInterval(() => probes.push(probe(Number(port), probePath)), probeEveryMs);
  const startedAt = performance.now();
  await sleep(seconds * 1000);
  clearInterval(prober);
  const elapsed = (performance.now() - startedAt) / 1000;
  const answers = flooders.reduce((sum, f) => sum + f.answers, 0);
  const closedByServer = flooders.filter((f) => f.closedByServer).length;
  const cpuSeconds = (server.cpuTicks() - ticksBefore) / CLK_TCK;
  const results = await Promise.all(probes);
  for (const f of flooders) f.socket.destroy();
  clearInterval(sampler);
  const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
  return {
    answers,
    answersPerSecond: answers / elapsed,
    megabytes: flooders.reduce((sum, f) => sum + f.bytes, 0) / 2 ** 20,
    closedByServer,
    probes: results.length,
    probeFailures: results.filter((r) => r.status !== 200).length,
    probeP50Ms: percentile(latencies, 0.5),
    probeWorstMs: latencies.at(-1) ?? NaN,
    maxRssBytes: maxRss,
    cpuSeconds,
  };
}

function flooder(port, payload) {
  const state = { answers: 0, bytes: 0, closedByServer: false, socket: connect(port, '127.0.0.1') };
  let tail = Buffer.alloc(0);
  state.socket.on('connect', () => state.socket.write(payload));
  state.socket.on('data', (chunk) => {
    state.bytes += chunk.length;
    // Count answer heads, including one split across two chunks.
    const text = tail.length ? Buffer.concat([tail, chunk]) : chunk;
    for (let at = text.indexOf(ANSWER_START); at !== -1; at = text.indexOf(ANSWER_START, at + 1)) state.answers++;
    tail = text.subarray(Math.max(0, text.length - ANSWER_START.length + 1));
  });
  state.socket.on('end', () => (state.closedByServer = true));
  state.socket.on('error', () => (state.closedByServer = true));
  return state;
}

/** One fresh connection, one GET, `Connection: close`: its status and the time to the whole answer. */
function probe(port, path) {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks = [];
    const done = (status) => resolve({ status, ms: performance.now() - startedAt });
    const timer = setTimeout(() => {
      socket.destroy();
      done(0);
    }, 10_000);
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n`));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      done(Number(/^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'))?.[1] ?? 0));
    });
  });
}
