import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { HealthIndicator, HealthModule, HealthStatus, type HealthComponentCheck, type HealthComponent } from 'nestjs-mqtt-health';
import { PLATFORMS } from './support/boot.js';
import { ClusterHealthIndicator, StorageHealthIndicator } from './support/broker.health.js';
import { API, api, expectHealthAnswer, FAST, refreshed, startApp } from './support/health-app.js';

const CLUSTER_UP = { status: 'UP', details: { 'cluster-size': 3, 'node-id': 'jS3bb', 'node-state': 'RUNNING' } };

/** Returns whatever the test puts in `result`, valid or not. */
@HealthIndicator('bridge')
class BridgeHealthIndicator implements HealthComponentCheck {
  result: unknown = { status: HealthStatus.UP };

  check(): HealthComponent {
    return this.result as HealthComponent;
  }
}

describe.each(PLATFORMS)('an indicator that fails on %s', (platform) => {
  let app: INestApplication;
  let storage: StorageHealthIndicator;
  let bridge: BridgeHealthIndicator;

  beforeAll(async () => {
    app = await startApp(platform, {
      imports: [HealthModule.forRoot({ ...FAST, resources: false })],
      providers: [ClusterHealthIndicator, StorageHealthIndicator, BridgeHealthIndicator],
    });
    storage = app.get(StorageHealthIndicator);
    bridge = app.get(BridgeHealthIndicator);
  });

  afterEach(async () => {
    storage.reset();
    bridge.result = { status: HealthStatus.UP };
    await refreshed(app);
  });

  afterAll(() => app.close());

  it('is DOWN with the thrown message as details.reason, never a 500', async () => {
    storage.failure = new Error('disk full');
    await refreshed(app);

    const component = await api(app).get(`${API}/storage`);
    expectHealthAnswer(component, 503);
    expect(component.body).toEqual({ status: 'DOWN', details: { reason: 'disk full' } });

    const system = await api(app).get(API);
    expectHealthAnswer(system, 503);
    expect(system.body.status).toBe('DOWN');
    expect(system.body.components.storage).toEqual({ status: 'DOWN', details: { reason: 'disk full' } });
  });

  it('takes its group OUT_OF_SERVICE and leaves the other members as they are', async () => {
    storage.failure = new Error('disk full');
    await refreshed(app);

    const res = await api(app).get(`${API}/readiness`);

    expectHealthAnswer(res, 503);
    expect(res.body).toEqual({
      status: 'OUT_OF_SERVICE',
      components: { cluster: CLUSTER_UP, storage: { status: 'DOWN', details: { reason: 'disk full' } } },
    });
  });

  it('is DOWN with the message of a rejected promise', async () => {
    storage.failure = new Error('connection refused');
    storage.async = true;
    await refreshed(app);

    const res = await api(app).get(`${API}/storage`);

    expectHealthAnswer(res, 503);
    expect(res.body).toEqual({ status: 'DOWN', details: { reason: 'connection refused' } });
  });

  it('is DOWN when it throws something that is not an Error', async () => {
    storage.failure = 'no route to host';
    await refreshed(app);

    const res = await api(app).get(`${API}/storage`);

    expectHealthAnswer(res, 503);
    expect(res.body).toEqual({ status: 'DOWN', details: { reason: 'no route to host' } });
  });

  it('is DOWN when it returns an invalid component', async () => {
    bridge.result = { status: 'GREEN' };
    await refreshed(app);

    const res = await api(app).get(`${API}/bridge`);

    expectHealthAnswer(res, 503);
    expect(res.body).toEqual({ status: 'DOWN', details: { reason: expect.stringMatching(/^invalid check\(\) result: .*GREEN/) } });
  });

  it('is left out of the tree while it returns null', async () => {
    bridge.result = null;
    await refreshed(app);

    expectHealthAnswer(await api(app).get(`${API}/bridge`), 404);
    const system = await api(app).get(API);
    expectHealthAnswer(system, 200);
    expect(system.body.components).not.toHaveProperty('bridge');
  });

  it('is UP again once its check succeeds', async () => {
    storage.failure = new Error('disk full');
    await refreshed(app);
    expect((await api(app).get(`${API}/storage`)).status).toBe(503);

    storage.reset();
    await refreshed(app);
    const res = await api(app).get(`${API}/storage`);

    expectHealthAnswer(res, 200);
    expect(res.body).toEqual({ status: 'UP', details: { engine: 'level' } });
  });
});

/** A check that never settles; counts its calls. */
@HealthIndicator('session-store')
class HungHealthIndicator implements HealthComponentCheck {
  calls = 0;

  check(): Promise<HealthComponent> {
    this.calls++;
    return new Promise(() => undefined);
  }
}

/** Hangs too, with its own timeout. */
@HealthIndicator('retained-store', { timeoutMs: 150 })
class SlowHungHealthIndicator implements HealthComponentCheck {
  check(): Promise<HealthComponent> {
    return new Promise(() => undefined);
  }
}

describe.each(PLATFORMS)('an indicator that never resolves on %s', (platform) => {
  let app: INestApplication;
  let hung: HungHealthIndicator;
  let clusterIndicator: ClusterHealthIndicator;

  beforeAll(async () => {
    app = await startApp(platform, {
      imports: [HealthModule.forRoot({ ...FAST, resources: false })],
      providers: [HungHealthIndicator, SlowHungHealthIndicator, ClusterHealthIndicator],
    });
    hung = app.get(HungHealthIndicator);
    clusterIndicator = app.get(ClusterHealthIndicator);
  });

  afterEach(async () => {
    clusterIndicator.reset();
    await refreshed(app);
  });

  afterAll(() => app.close());

  it('is DOWN "timed out after N ms" with the module timeout', async () => {
    const res = await api(app).get(`${API}/session-store`);

    expectHealthAnswer(res, 503);
    expect(res.body).toEqual({ status: 'DOWN', details: { reason: expect.stringMatching(/^timed out after 100 ms/) } });
  });

  it('is DOWN "timed out after N ms" with its own timeoutMs', async () => {
    const res = await api(app).get(`${API}/retained-store`);

    expectHealthAnswer(res, 503);
    expect(res.body).toEqual({ status: 'DOWN', details: { reason: expect.stringMatching(/^timed out after 150 ms/) } });
  });

  it('leaves the other components and readiness as they are', async () => {
    const system = await api(app).get(API);
    expectHealthAnswer(system, 503);
    expect(system.body.components.cluster).toEqual(CLUSTER_UP);
    expect(system.body.components['readiness-state']).toEqual({ status: 'UP' });

    const readiness = await api(app).get(`${API}/readiness`);
    expectHealthAnswer(readiness, 200);
    expect(readiness.body).toEqual({ status: 'UP', components: { cluster: CLUSTER_UP } });
  });

  it('does not hold back the results of the other indicators', async () => {
    clusterIndicator.status = HealthStatus.DOWN;
    await refreshed(app);

    const res = await api(app).get(`${API}/readiness`);

    expectHealthAnswer(res, 503);
    expect(res.body.components.cluster.status).toBe('DOWN');
  });

  it('is not called again while its first call is still running', async () => {
    await refreshed(app);
    await refreshed(app);

    expect(hung.calls).toBe(1);
    const res = await api(app).get(`${API}/session-store`);
    expect(res.body.details.reason).toMatch(/^timed out after 100 ms \(still running after \d+ ms\)$/);
  });
});

/** Starts hanging when told to. */
@HealthIndicator('bridge')
class HangingBridgeHealthIndicator implements HealthComponentCheck {
  hang = false;

  check(): HealthComponent | Promise<HealthComponent> {
    return this.hang ? new Promise(() => undefined) : { status: HealthStatus.UP };
  }
}

describe.each(PLATFORMS)('an indicator that stops answering, checked on request, on %s', (platform) => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp(platform, {
      imports: [HealthModule.forRoot({ ...FAST, checkMode: 'on-request', resources: false })],
      providers: [HangingBridgeHealthIndicator, ClusterHealthIndicator],
    });
  });

  afterAll(() => app.close());

  it('answers the probe with the timeout instead of waiting for the check', async () => {
    expectHealthAnswer(await api(app).get(`${API}/bridge`), 200);
    app.get(HangingBridgeHealthIndicator).hang = true;

    const res = await api(app).get(API);

    expectHealthAnswer(res, 503);
    expect(res.body.components.bridge).toEqual({ status: 'DOWN', details: { reason: 'timed out after 100 ms' } });
    expect(res.body.components.cluster).toEqual(CLUSTER_UP);
  });
});
