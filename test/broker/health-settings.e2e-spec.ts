import { spawn } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { afterAll, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { closeAll, connect, nextMessage } from '../support/mqtt-clients.js';
import { ChildHandle, freePorts, tempDir, waitFor } from '../support/processes.js';
import { brokerRunner, EX_CONFIG, MAIN } from './config-errors.kit.js';

const children: ChildHandle[] = [];
const brokers: BrokerProcess[] = [];
afterAll(async () => {
  await Promise.all(children.map((child) => child.kill()));
  await stopAll(brokers);
});

/** Whether anything accepts a TCP connection on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

async function get(port: number, path: string, host = '127.0.0.1'): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(2000) });
  const text = await response.text();
  return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

describe("demo broker with HEALTH_ENABLED=false (FluxMQ's health_enabled)", () => {
  it('opens no health listener and no agent-check port, says so at start, and serves MQTT', async () => {
    const [mqttPort, healthPort, agentPort, viewPort] = await freePorts(4);
    const data = tempDir('broker-data-');
    const env = {
      PATH: process.env.PATH,
      MQTT_BIND: '127.0.0.1',
      MQTT_PORT: String(mqttPort),
      HEALTH_ENABLED: 'false',
      HEALTH_PORT: String(healthPort),
      HEALTH_AGENT_PORT: String(agentPort),
      HEALTH_VIEWS: `hivemq,zeebe@127.0.0.1:${viewPort}`,
      DATA_DIR: data.path,
      DRAIN_MS: '0',
    };
    const broker = new ChildHandle(spawn(process.execPath, [MAIN], { env, stdio: 'pipe' }));
    children.push(broker);
    void broker.exited.then(() => data.remove());
    await waitFor(() => broker.log.includes('Health API: off (HEALTH_ENABLED=false)') || !broker.running, 20_000, 'the start line');
    expect(broker.running).toBe(true);

    const url = `mqtt://127.0.0.1:${mqttPort}`;
    const subscriber = await waitFor(() => connect(url).catch(() => undefined), 10_000, 'MQTT to accept a client');
    const publisher = await connect(url);
    try {
      await subscriber.subscribeAsync('health/off', { qos: 1 });
      const message = nextMessage(subscriber, 'health/off');
      await publisher.publishAsync('health/off', 'still brokering', { qos: 1 });
      expect(await message).toEqual({ topic: 'health/off', payload: 'still brokering' });
    } finally {
      await closeAll([subscriber, publisher]);
    }
    expect(await Promise.all([healthPort, agentPort, viewPort].map(accepts))).toEqual([false, false, false]);
    expect(broker.log).not.toContain('Health listener');
  }, 40_000);
});

describe("demo broker: a named listener (HiveMQ's <name>) and a view bound to its own address (name@addr:port)", () => {
  it('shows HEALTH_LISTENER_NAME where listeners are named, and binds name@127.0.0.1:port there alone', async () => {
    const [zeebePort, fluxPort] = await freePorts(2);
    const broker = await BrokerProcess.start({
      env: {
        HEALTH_LISTENER_NAME: 'health-api-listener',
        HEALTH_VIEWS: `hivemq,zeebe@127.0.0.1:${zeebePort},fluxmq@localhost:${fluxPort}`,
      },
    });
    brokers.push(broker);
    expect(broker.log).toMatch(new RegExp(`Health listener "health-api-listener" on http://127\\.0\\.0\\.1:${broker.healthPort} serving`));
    expect(broker.log).toMatch(
      new RegExp(`Health listener "http-listener-${zeebePort}" on http://127\\.0\\.0\\.1:${zeebePort} serving /startup`),
    );
    expect(broker.log).toMatch(
      new RegExp(`Health API: health-api-listener on http://127\\.0\\.0\\.1:${broker.healthPort}, http-listener-${zeebePort} on `),
    );
    expect((await fetch(`http://127.0.0.1:${zeebePort}/ready`)).status).toBe(204);
    expect((await get(zeebePort, '/api/v1/health')).status).toBe(404);
    expect(await get(fluxPort, '/health', 'localhost')).toEqual({ status: 200, body: { status: 'healthy' } });
    expect((await get(broker.healthPort, '/ready')).status).toBe(404);
  }, 30_000);
});

describe('demo broker: a name@addr:port view whose address this host lacks', () => {
  it('exits 78 with one line naming HEALTH_VIEWS', async () => {
    const [viewPort] = await freePorts(1);
    const data = tempDir('broker-data-');
    try {
      const { code, log } = await brokerRunner(data.path)({ HEALTH_VIEWS: `hivemq,zeebe@10.255.255.1:${viewPort}`, EXTENSIONS_DIR: '' });
      expect({ code, lines: log.split('\n').filter((line) => line.includes('HEALTH_')) }).toEqual({
        code: EX_CONFIG,
        lines: [
          'Environment variable HEALTH_VIEWS: 10.255.255.1 is not an address of this host (EADDRNOTAVAIL). ' +
            'Give that view an address of this host (name@127.0.0.1:port), or none (name@:port listens on HEALTH_BIND).',
        ],
      });
    } finally {
      data.remove();
    }
  }, 20_000);
});

describe('demo broker, the Terminus view through a drain', () => {
  it('keeps /health/liveness ok while /health and /health/readiness answer shutting_down', async () => {
    const broker = await BrokerProcess.start({ env: { HEALTH_VIEWS: 'hivemq,terminus', DRAIN_MS: '3000' } });
    brokers.push(broker);
    expect(await get(broker.healthPort, '/health/liveness')).toMatchObject({ status: 200, body: { status: 'ok' } });
    broker.child.kill('SIGTERM');
    await waitFor(async () => (await get(broker.healthPort, '/health/readiness')).status === 503, 3000, 'the drain to begin');
    expect(await get(broker.healthPort, '/health/readiness')).toMatchObject({ status: 503, body: { status: 'shutting_down' } });
    expect(await get(broker.healthPort, '/health')).toMatchObject({ status: 503, body: { status: 'shutting_down' } });
    expect(await get(broker.healthPort, '/health/liveness')).toMatchObject({
      status: 200,
      body: { status: 'ok', info: { 'event-loop': { status: 'up' } } },
    });
    expect(await broker.health('liveness')).toMatchObject({ status: 200, body: { status: 'UP' } });
  }, 30_000);
});
