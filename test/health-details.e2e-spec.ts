import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { HealthModule, type HealthModuleOptions } from 'nestjs-mqtt-health';
import { PLATFORMS } from './support/boot.js';
import { ClusterHealthIndicator, ExtensionsHealthIndicator, MqttHealthIndicator, StorageHealthIndicator } from './support/broker.health.js';
import { API, api, detailsPaths, expectHealthAnswer, FAST, refreshed, startApp } from './support/health-app.js';

const INDICATORS = [ClusterHealthIndicator, MqttHealthIndicator, ExtensionsHealthIndicator, StorageHealthIndicator];

const GROUPS: HealthModuleOptions['groups'] = { readiness: { members: ['mqtt'] }, tls: { members: ['mqtt/tls-tcp-listener-8883'] } };

/** Every kind of answer: system, groups, components, sub-components, and a failed check's reason (storage). */
const PATHS = [
  API,
  `${API}/liveness`,
  `${API}/readiness`,
  `${API}/tls`,
  `${API}/cluster`,
  `${API}/mqtt`,
  `${API}/mqtt/tls-tcp-listener-8883`,
  `${API}/extensions`,
  `${API}/extensions/my-ext/internals/entrypoint`,
  `${API}/storage`,
];

/** Boots with storage failing, so its DOWN reason is one of the details that may be hidden. */
async function startWithFailingStorage(platform: (typeof PLATFORMS)[number], options: HealthModuleOptions): Promise<INestApplication> {
  const app = await startApp(platform, {
    imports: [HealthModule.forRoot({ ...FAST, groups: GROUPS, ...options, resources: false })],
    providers: INDICATORS,
  });
  app.get(StorageHealthIndicator).failure = new Error('disk full');
  await refreshed(app);
  return app;
}

describe.each(PLATFORMS)('showDetails "never" on %s', (platform) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await startWithFailingStorage(platform, { showDetails: 'never' });
  });
  afterAll(() => app.close());

  it.each(PATHS)('hides every details object in %s', async (path) => {
    const res = await api(app).get(path);

    expect(res.body.status).toEqual(expect.any(String));
    expect(detailsPaths(res.body)).toEqual([]);
  });

  it('keeps the statuses and the tree', async () => {
    const system = await api(app).get(API);
    expectHealthAnswer(system, 503);
    expect(system.body.components.storage).toEqual({ status: 'DOWN' });
    expect(system.body.components.cluster).toEqual({ status: 'UP' });

    const readiness = await api(app).get(`${API}/readiness`);
    expectHealthAnswer(readiness, 503);
    expect(readiness.body).toEqual({
      status: 'OUT_OF_SERVICE',
      components: {
        cluster: { status: 'UP' },
        mqtt: { status: 'UP', components: { 'tcp-listener-1883': { status: 'UP' }, 'tls-tcp-listener-8883': { status: 'UP' } } },
        storage: { status: 'DOWN' },
      },
    });
  });
});

describe.each(PLATFORMS)('showDetails "always" (the default) on %s', (platform) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await startWithFailingStorage(platform, {});
  });
  afterAll(() => app.close());

  it('shows the details of components, sub-components and failed checks', async () => {
    const res = await api(app).get(API);

    expect(detailsPaths(res.body)).toEqual(
      expect.arrayContaining([
        '$.components.cluster',
        '$.components.mqtt.components.tls-tcp-listener-8883',
        '$.components.extensions.components.my-ext.components.internals.components.entrypoint',
        '$.components.storage',
      ]),
    );
    expect(res.body.components.storage.details).toEqual({ reason: 'disk full' });
  });
});

describe.each(PLATFORMS)('showDetails "when-authorized" on %s', (platform) => {
  let app: INestApplication;
  /** How the authorize() below behaves; each test sets it. */
  let authorizeBy: 'token' | 'async-token' | 'throw' | 'reject' = 'token';

  const authorize = (request: unknown): boolean | Promise<boolean> => {
    const token = (request as { headers: Record<string, string | string[] | undefined> }).headers['x-health-token'];
    switch (authorizeBy) {
      case 'token':
        return token === 'secret';
      case 'async-token':
        return Promise.resolve(token === 'secret');
      case 'throw':
        throw new Error('token store unavailable');
      case 'reject':
        return Promise.reject(new Error('token store unavailable'));
    }
  };

  beforeAll(async () => {
    app = await startWithFailingStorage(platform, { showDetails: 'when-authorized', authorize });
  });
  afterAll(() => app.close());

  it.each(PATHS)('shows details in %s with the right token', async (path) => {
    authorizeBy = 'token';

    const res = await api(app).get(path).set('x-health-token', 'secret');

    const hasDetails = detailsPaths(res.body).length > 0;
    // liveness has no members: nothing to show in it either way.
    expect(hasDetails).toBe(path !== `${API}/liveness`);
  });

  it.each(PATHS)('hides details in %s without a token', async (path) => {
    authorizeBy = 'token';

    const res = await api(app).get(path);

    expect(res.body.status).toEqual(expect.any(String));
    expect(detailsPaths(res.body)).toEqual([]);
  });

  it('hides details with a wrong token', async () => {
    authorizeBy = 'token';

    const res = await api(app).get(`${API}/storage`).set('x-health-token', 'guess');

    expectHealthAnswer(res, 503);
    expect(res.body).toEqual({ status: 'DOWN' });
  });

  it('waits for an authorize() that returns a promise', async () => {
    authorizeBy = 'async-token';

    const allowed = await api(app).get(`${API}/storage`).set('x-health-token', 'secret');
    expectHealthAnswer(allowed, 503);
    expect(allowed.body).toEqual({ status: 'DOWN', details: { reason: 'disk full' } });

    const denied = await api(app).get(`${API}/storage`);
    expectHealthAnswer(denied, 503);
    expect(denied.body).toEqual({ status: 'DOWN' });
  });

  it.each(['throw', 'reject'] as const)('hides details, without a 500, when authorize() fails (%s)', async (how) => {
    authorizeBy = how;

    for (const path of PATHS) {
      const res = await api(app).get(path).set('x-health-token', 'secret');

      expect(res.status).not.toBe(500);
      expect(detailsPaths(res.body)).toEqual([]);
    }
    const system = await api(app).get(API).set('x-health-token', 'secret');
    expectHealthAnswer(system, 503);
    expect(system.body.components.cluster).toEqual({ status: 'UP' });
  });
});
