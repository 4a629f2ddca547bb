import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { Test } from '@nestjs/testing';
import { HealthModule, HealthService, HealthStatus } from 'nestjs-mqtt-health';
import { bootProbeApp, INDICATORS, resetState, state, type ProbeApp } from './probe-app.js';

let probe: ProbeApp | undefined;
afterEach(async () => {
  await probe?.app.close();
  probe = undefined;
});

/** Polls until `check` holds, at most `attempts` times. */
async function eventually(check: () => Promise<boolean>, attempts = 50): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error('condition never held');
}

describe('startup', () => {
  it('holds every readiness view at 503 until start-up is declared complete; liveness stays up', async () => {
    probe = await bootProbeApp({ startup: 'manual' });
    const readyz = await request(probe.url).get('/readyz');
    expect(readyz.status).toBe(503);
    expect(readyz.body).toEqual({ status: 'not_ready', checks: { storage: 'ok' } });
    const ready = await request(probe.url).get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.details).toBe('starting');
    const startup = await request(probe.url).get('/api/v1/health/startup');
    expect(startup.status).toBe(503);
    expect(startup.body).toEqual({ status: 'OUT_OF_SERVICE', details: { reason: 'starting' } });
    expect((await request(probe.url).get('/api/v1/health/readiness')).body.status).toBe('OUT_OF_SERVICE');
    expect((await request(probe.url).get('/healthz')).status).toBe(200);
    expect((await request(probe.url).get('/api/v1/health/liveness')).status).toBe(200);

    await probe.health.markStartupComplete();
    expect((await request(probe.url).get('/readyz')).status).toBe(200);
    expect((await request(probe.url).get('/api/v1/health/startup')).body).toEqual({ status: 'UP' });
  });
});

describe('automatic start-up', () => {
  it('completes when an HTTP app whose Health API has a port of its own listens, not before (every bootstrap hook has run by then)', async () => {
    resetState();
    const options = { healthApi: { enabled: true, listeners: [{ port: 0 }] } };
    const moduleRef = await Test.createTestingModule({ imports: [HealthModule.forRoot(options)], providers: INDICATORS }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
      const health = app.get(HealthService);
      expect(health.snapshot().started).toBe(false);
      expect(health.snapshot().groups.readiness).toMatchObject({ status: 'OUT_OF_SERVICE', details: { reason: 'starting' } });
      await app.listen(0, '127.0.0.1');
      expect(health.snapshot().started).toBe(true);
      expect(health.snapshot().groups.readiness.status).toBe('UP');
    } finally {
      await app.close();
    }
  });

  it('completes at bootstrap in an application context, which has no HTTP server', async () => {
    resetState();
    const moduleRef = await Test.createTestingModule({ imports: [HealthModule.forRoot({})], providers: INDICATORS }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    try {
      expect(moduleRef.get(HealthService).snapshot().started).toBe(true);
    } finally {
      await moduleRef.close();
    }
  });
});

describe('drain', () => {
  it('answers not ready, draining, for the whole drain window while liveness stays up, then closes the listener', async () => {
    probe = await bootProbeApp({ drainMs: 800 });
    const { url } = probe;
    expect((await request(url).get('/readyz')).status).toBe(200);
    // As the demo broker does on SIGTERM: drain, then close (which waits for the drain).
    void probe.health.drain();
    const closing = probe.app.close();
    probe = undefined;
    await eventually(async () => (await request(url).get('/readyz')).status === 503);
    const readyz = await request(url).get('/readyz');
    expect(readyz.body).toEqual({ status: 'not_ready', draining: true });
    const ready = await request(url).get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.details).toBe('draining');
    const readiness = await request(url).get('/api/v1/health/readiness');
    expect(readiness.status).toBe(503);
    expect(readiness.body.status).toBe('OUT_OF_SERVICE');
    expect(readiness.body.details).toEqual({ reason: 'draining' });
    expect((await request(url).get('/healthz')).status).toBe(200);
    expect((await request(url).get('/health')).body).toEqual({ status: 'healthy' });
    await closing;
    await expect(request(url).get('/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('drain in the Zeebe view', () => {
  it('keeps ready once reached (it gates rolling updates) while health turns 503', async () => {
    probe = await bootProbeApp({ drainMs: 800 }, ['zeebe']);
    const { url } = probe;
    expect((await request(url).get('/health')).status).toBe(204);
    void probe.health.drain();
    const closing = probe.app.close();
    probe = undefined;
    await eventually(async () => (await request(url).get('/health')).status === 503);
    expect((await request(url).get('/ready')).status).toBe(204);
    expect((await request(url).get('/startup')).status).toBe(503);
    await closing;
  });
});

describe('grace windows', () => {
  it('lets liveness tolerate a DOWN member for graceMs, then fail', async () => {
    probe = await bootProbeApp({ groups: { liveness: { members: ['cluster'], graceMs: { cluster: 400 } } } });
    state.cluster = { status: HealthStatus.DOWN, details: { reason: 'lost cluster awareness' } };
    await probe.health.refresh();
    expect((await request(probe.url).get('/healthz')).status).toBe(200);
    expect((await request(probe.url).get('/api/v1/health/liveness')).body.status).toBe('UP');
    // ?exclude recomputes the verdict from the members as the group counts them: still within grace.
    expect((await request(probe.url).get('/livez?exclude=nothing')).status).toBe(200);
    expect((await request(probe.url).get('/livez?verbose')).text).toMatch(
      /^\[\+\]ping ok\n\[\+\]cluster ok \(within its grace window, \d+ ms left\)\nlivez check passed\n$/,
    );
    // Readiness has no grace: the node is out of rotation at once.
    expect((await request(probe.url).get('/readyz')).status).toBe(503);
    await sleep(450);
    await probe.health.refresh();
    const healthz = await request(probe.url).get('/healthz');
    expect(healthz.status).toBe(503);
    expect(healthz.body).toEqual({ status: 'failed' });
    expect((await request(probe.url).get('/livez?verbose')).text).toBe(
      '[+]ping ok\n[-]cluster failed: reason withheld\nlivez check failed\n',
    );
  });
});
