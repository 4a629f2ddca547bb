import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { freePort } from '../support/processes.js';

/** GET on one of the broker's health ports; the body parsed when it is JSON. */
async function get(port: number, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) });
  const text = await response.text();
  return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

describe('demo broker, every convention at once (HEALTH_VIEWS with prefixes and ports)', () => {
  let broker: BrokerProcess;
  let zeebePort: number;

  beforeAll(async () => {
    zeebePort = await freePort();
    const views = `hivemq,fluxmq,kubernetes,actuator,zeebe@:${zeebePort},terminus@/terminus,metrics`;
    broker = await BrokerProcess.start({ env: { HEALTH_VIEWS: views } });
  }, 30_000);
  afterAll(() => stopAll([broker]));

  it('serves HiveMQ, FluxMQ, Kubernetes, actuator, terminus and metrics on HEALTH_PORT', async () => {
    const port = broker.healthPort;
    expect(await get(port, '/api/v1/health/readiness')).toMatchObject({ status: 200, body: { status: 'UP' } });
    expect(await get(port, '/ready')).toMatchObject({ status: 200, body: { status: 'ready', mode: 'nominal' } });
    expect(await get(port, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect(await get(port, '/actuator/health')).toMatchObject({
      status: 200,
      body: {
        status: 'UP',
        components: { livenessState: { status: 'UP' } },
        groups: ['liveness', 'readiness', 'startup', 'zeebe-liveness'],
      },
    });
    expect(await get(port, '/actuator/health/liveness')).toMatchObject({ status: 200, body: { status: 'UP' } });
    expect(await get(port, '/terminus/health')).toMatchObject({
      status: 200,
      body: { status: 'ok', error: {}, details: { broker: { status: 'up' }, storage: { status: 'up' } } },
    });
    const metrics = await get(port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('mqtt_health_group_status{group="readiness",status="UP"} 1');
  });

  it("serves Zeebe's /ready and /health on a listener of its own, and only there", async () => {
    const ready = await fetch(`http://127.0.0.1:${zeebePort}/ready`);
    expect(ready.status).toBe(204);
    expect(await ready.text()).toBe('');
    expect((await fetch(`http://127.0.0.1:${zeebePort}/health`)).status).toBe(204);
    expect((await get(zeebePort, '/api/v1/health')).status).toBe(404);
    // FluxMQ keeps /ready and /health on the main listener.
    expect(await get(broker.healthPort, '/health')).toEqual({ status: 200, body: { status: 'healthy' } });
  });

  it('shows the whole tree of the HiveMQ seed, extensions included', async () => {
    const { body } = (await get(broker.healthPort, '/api/v1/health')) as { body: { components: Record<string, { status: string }> } };
    expect(Object.keys(body.components)).toEqual(expect.arrayContaining(['broker', 'storage', 'mqtt', 'extensions', 'info']));
  });
});

describe('demo broker without extensions (EXTENSIONS_DIR empty)', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await BrokerProcess.start({ env: { EXTENSIONS_DIR: '' } });
  }, 30_000);
  afterAll(() => stopAll([broker]));

  it('keeps the extensions component: UP with no sub-components', async () => {
    expect(await broker.health('extensions')).toEqual({ status: 200, body: { status: 'UP' } });
  });
});

describe('HEALTH_VIEWS validation', () => {
  const bootWith = (env: Record<string, string>) =>
    spawnSync(process.execPath, [resolve('apps/broker/dist/main.js')], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
      timeout: 15_000,
    });

  it.each([
    ['an unknown view', 'hivemq,prometheus', 'unknown view "prometheus"'],
    ['a malformed entry', 'zeebe@9600', 'not name, name@/prefix, name@:port or name@address:port'],
    ['a port out of range', 'zeebe@:70000', 'port out of range'],
    ['a port another variable uses', 'zeebe@:1883', 'MQTT_PORT already uses'],
  ])('refuses %s and names HEALTH_VIEWS', (_case, views, message) => {
    const result = bootWith({ HEALTH_VIEWS: views });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('HEALTH_VIEWS');
    expect(result.stderr).toContain(message);
  });
});
