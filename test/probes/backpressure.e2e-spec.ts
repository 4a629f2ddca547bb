import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ListenerChild } from './listener-child.js';

const MB = 1024 * 1024;
const children: ListenerChild[] = [];
afterAll(() => Promise.all(children.map((child) => child.kill())));

interface Run {
  closedAfterMs?: number;
  growthMb: number;
}

/**
 * One connection pipelines `path` as fast as the server takes the requests and never reads an answer.
 * The server's RSS is sampled every second until it closes the connection (or `maxMs` pass).
 */
async function neverReading(server: ListenerChild, path: string, maxMs: number): Promise<Run> {
  const baseline = await server.rssAfterGc();
  const socket = connect(server.port, '127.0.0.1');
  socket.pause();
  socket.on('error', () => undefined);
  const requests = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(200));
  const pump = () => {
    while (!socket.destroyed) if (!socket.write(requests)) return void socket.once('drain', pump);
  };
  socket.on('connect', pump);
  const startedAt = Date.now();
  let closedAfterMs: number | undefined;
  socket.on('close', () => (closedAfterMs = Date.now() - startedAt));
  let peak = baseline;
  while (closedAfterMs === undefined && Date.now() - startedAt < maxMs) {
    await sleep(1000);
    peak = Math.max(peak, await server.rssAfterGc());
  }
  socket.destroy();
  return { closedAfterMs, growthMb: Math.round((peak - baseline) / MB) };
}

describe('a client that never reads its answers', () => {
  it.concurrent.each<[string, 'background' | 'on-request', string]>([
    ['/metrics', 'background', 'the exporter: an answer that arrives as a promise'],
    ['/metrics', 'on-request', 'the exporter after a fresh run'],
    ['/livez', 'on-request', 'a probe route answered after a fresh run'],
    ['/livez', 'background', 'a probe route answered from the snapshot'],
    ['/readyz?verbose', 'on-request', 'a query'],
  ])(
    '%s in %s mode (%s) costs bounded memory and is closed',
    async (path, checkMode) => {
      const server = await ListenerChild.start({ checkMode });
      children.push(server);
      const run = await neverReading(server, path, 40_000);
      expect(run).toEqual({ closedAfterMs: expect.any(Number), growthMb: expect.any(Number) });
      expect(run.growthMb).toBeLessThan(50);
      // Closed, and the listener still answers everyone else.
      expect((await fetch(`http://127.0.0.1:${server.port}/livez`)).status).toBe(200);
    },
    60_000,
  );
});
