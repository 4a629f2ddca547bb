import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { connect } from '../support/mqtt-clients.js';
import { freePort, waitFor } from '../support/processes.js';

/** Listens on a free 127.0.0.1 port, as another process holding MQTT_PORT would. */
function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.destroy());
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })),
  );
}

const release = (server: Server | undefined) =>
  new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
/** BrokerService's "broker <node-id> ready" line, logged once start-up is complete. */
const readyLines = (log: string) => log.match(/broker \S+ ready/g) ?? [];
/** The delays announced by the warnings of the listener on `port`, in order. */
const retryDelays = (log: string, port: number) =>
  log
    .split('\n')
    .filter((line) => line.includes(`127.0.0.1:${port}`) && line.includes('retrying in'))
    .map((line) => /retrying in (\d+) s/.exec(line)?.[1]);

describe('demo broker, MQTT port taken at start', () => {
  let broker: BrokerProcess | undefined;
  let blocker: Server | undefined;
  afterEach(async () => {
    await stopAll([broker]);
    await release(blocker);
  });

  it('retries the bind with backoff, unready and not "ready" meanwhile, and turns ready once the port frees, without a restart', async () => {
    const taken = await occupy();
    blocker = taken.server;
    const wsPort = await freePort();
    const startedAt = Date.now();
    broker = await BrokerProcess.start({
      env: { ...(await faultMatrixEnv()), MQTT_PORT: String(taken.port), MQTT_WS_PORT: String(wsPort) },
      waitFor: 'health',
    });
    const tcp = `mqtt/tcp-listener-${taken.port}`;
    const failed = await waitFor(
      async () => {
        const body = (await broker!.health(tcp)).body;
        return body.details?.['last-failure'] && body;
      },
      5000,
      'the TCP listener to fail',
    );
    const observedInMs = Date.now() - startedAt;
    expect(failed).toMatchObject({ status: 'DOWN', details: { 'is-running': false, port: taken.port } });
    expect(failed.details['last-failure']).toMatch(new RegExp(`^Failed to bind to 127\\.0\\.0\\.1:${taken.port}: listen EADDRINUSE`));
    const readiness = await broker.health('readiness');
    expect(readiness.status).toBe(503);
    expect(readiness.body.status).toBe('OUT_OF_SERVICE');
    expect((await broker.health('liveness')).status).toBe(200);
    expect(readyLines(broker.log)).toEqual([]);
    // The other listeners serve meanwhile.
    const ws = await connect(`ws://127.0.0.1:${wsPort}`, { clientId: 'ws-meanwhile' });
    expect(ws.connected).toBe(true);
    await ws.endAsync();
    await recordFault('MQTT port taken', 50, broker, observedInMs);

    // One warning per attempt, announcing the next delay: 1 s, then 2 s.
    await waitFor(() => retryDelays(broker!.log, taken.port).length >= 2, 4000, 'the second bind attempt');
    expect(retryDelays(broker.log, taken.port)).toEqual(['1', '2']);
    expect(broker.log).toMatch(/WARN.*retrying in 1 s/);
    expect(readyLines(broker.log)).toEqual([]);
    expect((await broker.health('readiness')).status).toBe(503);

    await release(blocker);
    const freedAt = Date.now();
    await waitFor(async () => (await broker!.health('readiness')).status === 200, 3500, 'readiness 200 once the port is free');
    const boundInMs = Date.now() - freedAt;
    const client = await connect(broker.mqttUrl, { clientId: 'after-retry' });
    expect(client.connected).toBe(true);
    await client.endAsync();
    expect((await broker.health(tcp)).body).toMatchObject({ status: 'UP', details: { 'is-running': true } });
    await waitFor(() => readyLines(broker!.log).length > 0, 2000, 'the ready line');
    expect(readyLines(broker.log)).toHaveLength(1);
    expect(broker.running).toBe(true);
    expect(boundInMs).toBeLessThan(3500);
  });

  it('exits promptly on SIGTERM while the listener is still retrying', async () => {
    const taken = await occupy();
    blocker = taken.server;
    broker = await BrokerProcess.start({ env: { MQTT_PORT: String(taken.port) }, waitFor: 'health' });
    await waitFor(
      async () => (await broker!.health(`mqtt/tcp-listener-${taken.port}`)).body.details?.['last-failure'],
      5000,
      'the TCP listener to fail',
    );
    await waitFor(() => broker!.log.includes('retrying in'), 3000, 'a retry to be scheduled');
    const signalledAt = Date.now();
    broker.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([broker.exited, new Promise<string>((r) => (timer = setTimeout(() => r('still running'), 5000)))]);
    clearTimeout(timer);
    expect({ code, log: broker.log }).toMatchObject({ code: 0 });
    expect(Date.now() - signalledAt).toBeLessThan(Number(broker.env.DRAIN_MS) + 3000);
    expect(readyLines(broker.log)).toEqual([]);
  });
});
