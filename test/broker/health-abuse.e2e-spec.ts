import { readFileSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { connect } from '../support/mqtt-clients.js';
import { waitFor } from '../support/processes.js';

const brokers: BrokerProcess[] = [];
afterAll(() => stopAll(brokers));

let open: Socket[] = [];
afterEach(() => {
  for (const socket of open) socket.destroy();
  open = [];
});

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) * 1024;
}

/** A connection that pipelines `count` requests as fast as the server takes them and discards the answers. */
function flood(port: number, path: string, count: number): Socket {
  const socket = connectTcp(port, '127.0.0.1');
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(100));
  let sent = 0;
  const pump = () => {
    while (sent < count && !socket.destroyed) {
      sent += 100;
      if (!socket.write(request)) return void socket.once('drain', pump);
    }
  };
  socket.on('connect', pump);
  socket.on('data', () => undefined);
  socket.on('error', () => undefined);
  open.push(socket);
  return socket;
}

async function timedGet(port: number, path: string): Promise<{ ms: number; status: number; body: { status?: string } }> {
  const startedAt = Date.now();
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  const body = (await response.json()) as { status?: string };
  return { ms: Date.now() - startedAt, status: response.status, body };
}

describe('the health listener under abuse', () => {
  it('stays timely and truthful while six connections pipeline /metrics requests, with bounded memory', async () => {
    const env = await faultMatrixEnv();
    const broker = await BrokerProcess.start({ env: { ...env, HEALTH_VIEWS: `${env.HEALTH_VIEWS},metrics` } });
    brokers.push(broker);
    const pid = broker.child.pid!;
    for (let i = 0; i < 6; i++) flood(broker.healthPort, '/metrics', 120_000);
    const probes: Array<{ ms: number; status: number; body: { status?: string } }> = [];
    const until = Date.now() + 6000;
    while (Date.now() < until) {
      probes.push(await timedGet(broker.healthPort, '/readyz'));
      await sleep(100);
    }
    const system = await timedGet(broker.healthPort, '/api/v1/health');
    await recordFault('Request flood on the health port', 80, broker);
    const rss = rssBytes(pid);
    for (const socket of open) socket.destroy();

    expect(probes.length).toBeGreaterThan(20);
    expect(Math.max(...probes.map((p) => p.ms))).toBeLessThan(1000);
    expect(probes.every((p) => p.status === 200 && p.body.status === 'ready')).toBe(true);
    // Not stale: the refresher kept running, so no component was marked DOWN.
    expect(system).toMatchObject({ status: 200, body: { status: 'UP' } });
    expect(rss).toBeLessThan(400 * 1024 * 1024);
  }, 30_000);

  it('closes a connection that keeps pipelining while its answers are not read', async () => {
    const broker = await BrokerProcess.start();
    brokers.push(broker);
    const before = rssBytes(broker.child.pid!);
    const socket = connectTcp(broker.healthPort, '127.0.0.1');
    open.push(socket);
    socket.pause();
    const request = Buffer.from('GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(1000));
    let written = 0;
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (written < 200 * request.length && !socket.destroyed) {
          written += request.length;
          if (!socket.write(request)) return void socket.once('drain', pump);
        }
        resolve();
      };
      socket.on('connect', pump);
      socket.on('close', () => resolve());
      setTimeout(resolve, 5000);
    });
    // The server stopped reading, so the client could not hand over all it wanted to send.
    expect(socket.writableLength + (socket.destroyed ? 1 : 0)).toBeGreaterThan(0);
    expect(rssBytes(broker.child.pid!) - before).toBeLessThan(64 * 1024 * 1024);
    expect((await timedGet(broker.healthPort, '/api/v1/health/readiness')).status).toBe(200);
  }, 30_000);

  it('never lets idle health connections take the file descriptors MQTT needs', async () => {
    const broker = await BrokerProcess.start({ openFiles: 1024 });
    brokers.push(broker);
    for (let i = 0; i < 1100; i++) {
      const socket = connectTcp(broker.healthPort, '127.0.0.1');
      socket.on('error', () => undefined);
      open.push(socket);
    }
    await waitFor(() => open.filter((s) => s.destroyed || s.readyState === 'open').length >= 1100, 10_000, 'connections settled');
    await sleep(500);
    // Past maxConnections (128) the listener closes the least recently active connections to admit new ones.
    expect(open.filter((s) => !s.destroyed && !s.closed).length).toBeLessThanOrEqual(128);
    const client = await connect(broker.mqttUrl, { connectTimeout: 3000 });
    expect(client.connected).toBe(true);
    await client.endAsync();
    // Idle connections are dropped after the keep-alive timeout; probes are answered again.
    await waitFor(() => timedGet(broker.healthPort, '/api/v1/health/liveness').then((r) => r.status === 200), 10_000, 'a probe answered');
  }, 30_000);
});
