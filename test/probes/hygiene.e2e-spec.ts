import { afterEach, describe, expect, it } from '@jest/globals';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { HealthModule, HealthService, HealthStatus, type HealthModuleOptions, type HealthTransition } from 'nestjs-mqtt-health';
import { bootApp } from '../support/boot.js';
import { INDICATORS, resetState, state } from './probe-app.js';

const SECRET = 'hunter2';

/** Every view, each where it does not collide with another. */
const VIEWS: NonNullable<NonNullable<HealthModuleOptions['healthApi']>['listeners']>[number]['views'] = [
  'hivemq',
  'fluxmq',
  'kubernetes',
  'ui',
  'metrics',
  'actuator',
  { view: 'zeebe', prefix: '/zeebe' },
  { view: 'terminus', prefix: '/terminus' },
];

const PATHS = [
  '/api/v1/health',
  '/api/v1/health/readiness',
  '/api/v1/health/liveness',
  '/api/v1/health/storage',
  '/api/v1/health/cluster',
  '/api/v1/health/mqtt',
  '/api/v1/health/mqtt/tcp-listener-1883',
  '/api/v1/health/fleet',
  '/api/v1/health/fleet?status=DOWN',
  '/health',
  '/ready',
  '/healthz?verbose',
  '/readyz',
  '/readyz?verbose',
  '/metrics',
  '/actuator/health',
  '/actuator/health/readiness',
  '/terminus/health',
  '/ui',
  '/ui/fleet',
];

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function boot(options: HealthModuleOptions = {}) {
  resetState();
  const logged: string[] = [];
  const capture = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
  const logger: LoggerService = { log: capture, warn: capture, error: capture, debug: capture, verbose: capture };
  app = await bootApp(
    'express',
    {
      imports: [
        HealthModule.forRoot({
          refreshIntervalMs: 60_000,
          healthApi: { enabled: true, listeners: [{ port: 0, views: VIEWS }] },
          ...options,
        }),
      ],
      providers: INDICATORS,
    },
    { logger },
  );
  const health = app.get(HealthService);
  const transitions: HealthTransition[] = [];
  health.changes$.subscribe((t) => transitions.push(t));
  const url = `http://127.0.0.1:${health.listeners()[0].port}`;
  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    return { status: response.status, text: await response.text() };
  };
  return { health, logged, transitions, get };
}

/** The first event of the dashboard's stream: the state every page starts from. */
async function firstDashboardEvent(url: string): Promise<string> {
  const controller = new AbortController();
  const response = await fetch(`${url}/ui/events`, { signal: controller.signal });
  const reader = response.body!.getReader();
  let text = '';
  while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  return text;
}

describe('credentials in error texts', () => {
  it('never reach a body, a metric, the dashboard, a transition or the log', async () => {
    const { health, logged, transitions, get } = await boot();
    state.storage = new Error(`Connection is closed: redis://admin:${SECRET}@127.0.0.1:6390/0`);
    state.cluster = {
      status: HealthStatus.DOWN,
      details: {
        reason: `lost rediss://admin:${SECRET}@redis.internal:6380`,
        error: `ECONNREFUSED redis://:${SECRET}@10.0.0.1`,
        nested: { urls: [`amqp://user:${SECRET}@mq`] },
      },
    };
    state.mqtt = {
      status: HealthStatus.UP,
      components: {
        'tcp-listener-1883': { status: HealthStatus.DOWN, details: { 'last-failure': `bridge mqtts://u:${SECRET}@up:8883 down` } },
      },
    };
    await health.refresh();

    for (const path of PATHS) {
      const { status, text } = await get(path);
      expect({ path, status, leaked: text.includes(SECRET) }).toEqual({ path, status, leaked: false });
    }
    const url = `http://127.0.0.1:${health.listeners()[0].port}`;
    expect(await firstDashboardEvent(url)).not.toContain(SECRET);
    expect(JSON.stringify(health.snapshot())).not.toContain(SECRET);
    expect(JSON.stringify(health.fleet())).not.toContain(SECRET);
    expect(JSON.stringify(transitions)).not.toContain(SECRET);
    expect(logged.filter((line) => line.includes(SECRET))).toEqual([]);
    // Redacted, not dropped: the rest of the text still says what went wrong, and where.
    const storage = JSON.parse((await get('/api/v1/health/storage')).text);
    expect(storage.details.reason).toBe('Connection is closed: redis://***@127.0.0.1:6390/0');
    const fleet = JSON.parse((await get('/api/v1/health/fleet')).text);
    const self = Object.values(fleet.members as Record<string, { components: { storage: unknown } }>)[0];
    expect(self.components.storage).toEqual({ status: 'DOWN', details: { reason: 'Connection is closed: redis://***@127.0.0.1:6390/0' } });
    const cluster = JSON.parse((await get('/api/v1/health/cluster')).text);
    expect(cluster.details).toEqual({
      reason: 'lost rediss://***@redis.internal:6380',
      error: 'ECONNREFUSED redis://***@10.0.0.1',
      nested: { urls: ['amqp://***@mq'] },
    });
  });
});

describe('FluxMQ /ready names the cause found in a sub-component', () => {
  it('gives a down listener its bind error, and a degraded one its TLS failure', async () => {
    const { health, get } = await boot();
    const bindError = 'Failed to bind to 0.0.0.0:1883: listen EADDRINUSE: address already in use 0.0.0.0:1883';
    state.mqtt = {
      status: HealthStatus.UP,
      components: { 'tcp-listener-1883': { status: HealthStatus.DOWN, details: { 'is-running': false, 'last-failure': bindError } } },
    };
    await health.refresh();
    const down = await get('/ready');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text).checks.mqtt).toEqual({ status: 'down', details: `tcp-listener-1883: ${bindError}` });

    const tlsError = 'TLS reload failed, still serving the previous certificate: no start line';
    state.mqtt = {
      status: HealthStatus.UP,
      components: {
        'tcp-listener-1883': { status: HealthStatus.UP, details: { 'is-running': true } },
        'tls-tcp-listener-8883': { status: HealthStatus.DEGRADED, details: { 'is-running': true, 'last-tls-failure': tlsError } },
      },
    };
    await health.refresh();
    const degraded = JSON.parse((await get('/ready')).text);
    expect(degraded).toMatchObject({ status: 'ready', mode: 'degraded' });
    expect(degraded.checks.mqtt).toEqual({ status: 'up', details: `tls-tcp-listener-8883: ${tlsError}` });
  });
});

describe('Kubernetes /readyz', () => {
  it('lists the storage check with embedded storage too, without its error text', async () => {
    const { health, get } = await boot();
    state.storage = { status: HealthStatus.UP, details: { type: 'level', 'network-dependency': false } };
    await health.refresh();
    expect(JSON.parse((await get('/readyz')).text)).toEqual({ status: 'ready', checks: { storage: 'ok' } });
    state.storage = {
      status: HealthStatus.DOWN,
      details: { type: 'level', 'network-dependency': false, reason: 'storage unavailable', error: 'level database is closed' },
    };
    await health.refresh();
    const down = await get('/readyz');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text)).toEqual({ status: 'not_ready', checks: { storage: 'unavailable' } });
    expect((await get('/readyz?verbose')).text).toBe('[-]storage failed: reason withheld\nreadyz check failed\n');
  });

  it('does not let ?exclude= write report lines of its own into ?verbose', async () => {
    const { get } = await boot();
    for (const path of ['/readyz', '/livez', '/healthz']) {
      const { text } = await get(`${path}?verbose&exclude=%0a[%2b]fake%20ok&exclude=%0d%0a[-]x%1b[31m`);
      const lines = text.split('\n').filter(Boolean);
      expect(lines.filter((line) => line.startsWith('[+]fake') || line.startsWith('[-]x'))).toEqual([]);
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
      expect(lines.at(-2)).toBe('warn: some health checks cannot be excluded: no matches for "\\n[+]fake ok","\\r\\n[-]x\\u001b[31m"');
    }
  });
});
