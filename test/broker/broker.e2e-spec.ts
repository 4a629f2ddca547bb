import { createServer, type Server } from 'node:net';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { closeAll, connect, connectCollecting, nextMessage } from '../support/mqtt-clients.js';
import { freePort, tempDir, waitFor } from '../support/processes.js';

describe('demo broker, single node with embedded storage', () => {
  let broker: BrokerProcess;
  let wsPort: number;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    wsPort = await freePort();
    broker = await BrokerProcess.start({ env: { MQTT_WS_PORT: String(wsPort) } });
  }, 30_000);
  afterAll(async () => {
    await closeAll(clients);
    await stopAll([broker]);
  });

  it('serves the HiveMQ tree with broker, storage, mqtt, extensions and info, and a one-node cluster in single-node mode', async () => {
    const { status, body } = await broker.health();
    expect(status).toBe(200);
    expect(body.status).toBe('UP');
    expect(Object.keys(body.components)).toEqual(expect.arrayContaining(['broker', 'storage', 'mqtt', 'info']));
    expect(body.components.cluster).toMatchObject({ status: 'UP', details: { 'cluster-size': 1, 'cluster-mode': false } });
    // Zeebe's liveness group exists only where the actuator view serves it.
    expect(body.groups).toEqual(['liveness', 'readiness', 'startup']);
    // The bundled sample extensions load by default.
    expect(body.components.extensions.status).toBe('UP');
    expect(Object.keys(body.components.extensions.components).sort()).toEqual(['payload-limit', 'topic-acl']);
    expect(body.components.broker.details).toEqual({
      'broker-id': expect.any(String),
      'node-id': expect.any(String),
      'connected-clients': 0,
      sessions: 0,
      'uptime-ms': expect.any(Number),
      'started-at': expect.any(Number),
    });
    expect(body.components.storage).toEqual({ status: 'UP', details: { type: 'level', 'network-dependency': false } });
    expect(body.components.mqtt.components).toEqual({
      [`tcp-listener-${broker.mqttPort}`]: {
        status: 'UP',
        details: {
          'bind-address': '127.0.0.1',
          'is-proxy-protocol-supported': false,
          'is-running': true,
          port: broker.mqttPort,
          type: 'TCP Listener',
        },
      },
      [`websocket-listener-${wsPort}`]: {
        status: 'UP',
        details: {
          'bind-address': '127.0.0.1',
          'is-proxy-protocol-supported': false,
          'is-running': true,
          port: wsPort,
          type: 'Websocket Listener',
        },
      },
    });
    expect(body.components.info.details).toEqual({
      'cpu-count': expect.any(Number),
      'log-level': 'INFO',
      'started-at': expect.any(Number),
      version: expect.any(String),
    });
  });

  it('puts broker, storage, cluster and mqtt in readiness, but not info', async () => {
    const { status, body } = await broker.health('readiness');
    expect(status).toBe(200);
    expect(Object.keys(body.components).sort()).toEqual(['broker', 'cluster', 'mqtt', 'storage']);
  });

  it('routes messages between a TCP and a WebSocket client and counts them as connected', async () => {
    const tcp = await connect(broker.mqttUrl, { clientId: 'tcp-sub' });
    const ws = await connect(`ws://127.0.0.1:${wsPort}`, { clientId: 'ws-pub' });
    clients.push(tcp, ws);
    await tcp.subscribeAsync('demo/+', { qos: 1 });
    const received = nextMessage(tcp, 'demo/hello');
    await ws.publishAsync('demo/hello', 'from websocket', { qos: 1 });
    expect((await received).payload).toBe('from websocket');
    await waitFor(async () => (await broker.health('broker')).body.details['connected-clients'] === 2, 5000, 'connected-clients to be 2');
  });
});

describe('demo broker, persistence in DATA_DIR', () => {
  const data = tempDir('broker-persist-');
  let broker: BrokerProcess | undefined;
  afterAll(async () => {
    await stopAll([broker]);
    data.remove();
  });

  it('keeps a persistent session and its queued QoS 1 messages across a restart', async () => {
    broker = await BrokerProcess.start({ env: { DATA_DIR: data.path } });
    const subscriber = await connect(broker.mqttUrl, { clientId: 'durable', clean: false });
    await subscriber.subscribeAsync('queued/#', { qos: 1 });
    await subscriber.endAsync();
    const publisher = await connect(broker.mqttUrl, { clientId: 'pub' });
    await publisher.publishAsync('queued/1', 'kept', { qos: 1 });
    await publisher.endAsync();
    expect(await broker.stop()).toBe(0);

    broker = await BrokerProcess.start({ env: { DATA_DIR: data.path, MQTT_PORT: broker.env.MQTT_PORT } });
    const back = await connectCollecting(broker.mqttUrl, { clientId: 'durable', clean: false });
    try {
      await waitFor(() => back.messages.length > 0, 5000, 'the queued message');
      expect(back.messages).toEqual([{ topic: 'queued/1', payload: 'kept' }]);
    } finally {
      await back.client.endAsync();
    }
  }, 40_000);
});

describe('demo broker, failures the health API reports', () => {
  let blocker: Server;
  let broker: BrokerProcess | undefined;
  afterAll(async () => {
    await stopAll([broker]);
    await new Promise((r) => blocker?.close(r));
  });

  it('reports a listener that cannot bind as DOWN with last-failure, and readiness OUT_OF_SERVICE, while TCP still serves', async () => {
    blocker = createServer();
    const taken = await new Promise<number>((r) => blocker.listen(0, '127.0.0.1', () => r((blocker.address() as { port: number }).port)));
    broker = await BrokerProcess.start({ env: { MQTT_WS_PORT: String(taken) }, waitFor: 'health' });
    const listener = await waitFor(
      async () => {
        const body = (await broker!.health(`mqtt/websocket-listener-${taken}`)).body;
        return body.details?.['last-failure'] && body;
      },
      5000,
      'the websocket listener to fail',
    );
    expect(listener.status).toBe('DOWN');
    expect(listener.details['is-running']).toBe(false);
    expect(listener.details['last-failure']).toMatch(/Failed to bind to 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    const readiness = await broker.health('readiness');
    expect(readiness.status).toBe(503);
    expect(readiness.body.status).toBe('OUT_OF_SERVICE');
    const client = await connect(broker.mqttUrl);
    expect(client.connected).toBe(true);
    await client.endAsync();
    // Start-up is not complete while a listener is unbound; it is retried and binds once the port frees.
    expect(broker.log).not.toMatch(/broker \S+ ready/);
    await new Promise((r) => blocker.close(r));
    await waitFor(async () => (await broker!.health('readiness')).status === 200, 8000, 'the websocket listener to bind');
    expect((await broker.health(`mqtt/websocket-listener-${taken}`)).body).toMatchObject({ status: 'UP', details: { 'is-running': true } });
    const ws = await connect(`ws://127.0.0.1:${taken}`);
    expect(ws.connected).toBe(true);
    await ws.endAsync();
  });

  /** Starts the compiled broker with only these variables and waits for it to exit. */
  const bootWith = (env: Record<string, string>) =>
    spawnSync(process.execPath, [resolve('apps/broker/dist/main.js')], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
      timeout: 15_000,
    });

  it('refuses to boot on an invalid variable and names it', () => {
    const result = bootWith({ MQTT_PORT: 'eighteen' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('MQTT_PORT');
    expect(result.stderr).toContain('"eighteen"');
  });

  it('requires TLS_CERT and TLS_KEY with MQTT_TLS_PORT', () => {
    const result = bootWith({ MQTT_TLS_PORT: '8883' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('TLS_CERT');
  });
});

describe('demo broker, shutdown', () => {
  let broker: BrokerProcess | undefined;
  afterAll(() => stopAll([broker]));

  it('drains on SIGTERM: readiness 503 while MQTT still serves, then clients are disconnected and it exits 0', async () => {
    broker = await BrokerProcess.start({ env: { DRAIN_MS: '2000' } });
    const client = await connect(broker.mqttUrl, { clientId: 'stays' });
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    const signalledAt = Date.now();
    broker.child.kill('SIGTERM');
    const draining = await waitFor(
      async () => {
        const answer = await broker!.health('readiness');
        return answer.status === 503 && answer.body;
      },
      1500,
      'readiness to drain',
    );
    expect(draining).toMatchObject({ status: 'OUT_OF_SERVICE', details: { reason: 'draining' } });
    // Still serving during the drain: a new client connects and a message goes through.
    const late = await connect(broker.mqttUrl, { clientId: 'late' });
    await late.subscribeAsync('still/serving');
    const got = nextMessage(late, 'still/serving');
    await client.publishAsync('still/serving', 'yes');
    expect((await got).payload).toBe('yes');
    expect(Date.now() - signalledAt).toBeLessThan(2000);
    expect(await broker.exited).toBe(0);
    await closed;
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(2000);
    await closeAll([client, late]);
  });
});
