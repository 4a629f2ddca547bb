import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { HealthIndicator, HealthModule, HealthStatus, type HealthModuleOptions } from 'nestjs-mqtt-health';
import { PLATFORMS } from './support/boot.js';
import {
  cluster,
  ClusterHealthIndicator,
  entrypoint,
  extension,
  ExtensionsHealthIndicator,
  MqttHealthIndicator,
  tcpListener,
  tlsListener,
} from './support/broker.health.js';
import { API, api, expectHealthAnswer, FAST, refreshed, startApp } from './support/health-app.js';

const { UP, DEGRADED, DOWN } = HealthStatus;

/** Readiness: cluster joins by its decorator, mqtt through the options. `tls` is a custom group on one listener. */
const OPTIONS: HealthModuleOptions = {
  ...FAST,
  groups: {
    readiness: { members: ['mqtt'] },
    tls: { members: ['mqtt/tls-tcp-listener-8883'], mapping: { DEGRADED: DOWN } },
  },
};

const CLUSTER_UP = { status: 'UP', details: { 'cluster-size': 3, 'node-id': 'jS3bb', 'node-state': 'RUNNING' } };
const TCP_UP = { status: 'UP', details: { 'bind-address': '0.0.0.0', 'is-running': true, port: 1883, type: 'TCP Listener' } };
const TLS_UP = { status: 'UP', details: { 'bind-address': '0.0.0.0', 'is-running': true, port: 8883, type: 'TCP Listener with TLS' } };
const MQTT_UP = { status: 'UP', components: { 'tcp-listener-1883': TCP_UP, 'tls-tcp-listener-8883': TLS_UP } };
const ENTRYPOINT_UP = { status: 'UP', details: { 'started-at': 1713949817551 } };
const EXTENSIONS_UP = {
  status: 'UP',
  components: {
    'my-ext': {
      status: 'UP',
      details: { author: 'Acme', enabled: true, name: 'My Extension', priority: 1000, version: '4.28.0' },
      components: { internals: { status: 'UP', components: { entrypoint: ENTRYPOINT_UP, services: { status: 'UP' } } } },
    },
  },
};

/** The MQTT component with the TLS listener in `status` (the parent takes the worst of its listeners). */
function mqttWithTls(status: HealthStatus) {
  return { status, components: { 'tcp-listener-1883': TCP_UP, 'tls-tcp-listener-8883': { status, details: tlsListener(status) } } };
}

@HealthIndicator('license')
class LicenseHealthIndicator {
  check() {
    return { status: HealthStatus.UNKNOWN };
  }
}

describe.each(PLATFORMS)('HiveMQ Health API on %s', (platform) => {
  let app: INestApplication;
  let clusterIndicator: ClusterHealthIndicator;
  let mqtt: MqttHealthIndicator;
  let extensions: ExtensionsHealthIndicator;

  beforeAll(async () => {
    app = await startApp(platform, {
      imports: [HealthModule.forRoot({ ...OPTIONS, resources: false })],
      providers: [ClusterHealthIndicator, MqttHealthIndicator, ExtensionsHealthIndicator],
    });
    clusterIndicator = app.get(ClusterHealthIndicator);
    mqtt = app.get(MqttHealthIndicator);
    extensions = app.get(ExtensionsHealthIndicator);
  });

  afterEach(async () => {
    clusterIndicator.reset();
    mqtt.reset();
    extensions.reset();
    await refreshed(app);
  });

  afterAll(() => app.close());

  describe('system health', () => {
    it('answers 200 UP with every component, the liveness and readiness states and the groups', async () => {
      const res = await api(app).get(API);

      expectHealthAnswer(res, 200);
      expect(res.body).toEqual({
        status: 'UP',
        components: {
          cluster: CLUSTER_UP,
          extensions: EXTENSIONS_UP,
          mqtt: MQTT_UP,
          'liveness-state': { status: 'UP' },
          'readiness-state': { status: 'UP' },
        },
        groups: expect.arrayContaining(['liveness', 'readiness', 'tls']),
      });
      expect(Object.keys(res.body)).toEqual(['status', 'components', 'groups']);
      expect(res.body.groups.slice(0, 2)).toEqual(['liveness', 'readiness']);
    });

    it('answers 503 DOWN when a component outside readiness is DOWN, while liveness and readiness stay 200 UP', async () => {
      extensions.entrypoint = DOWN;
      await refreshed(app);

      const system = await api(app).get(API);
      expectHealthAnswer(system, 503);
      expect(system.body).toEqual({
        status: 'DOWN',
        components: {
          cluster: CLUSTER_UP,
          extensions: {
            status: 'DOWN',
            components: {
              'my-ext': {
                status: 'DOWN',
                details: extension(),
                components: { internals: { status: 'DOWN', components: { entrypoint: { status: 'DOWN', details: entrypoint(DOWN) }, services: { status: 'UP' } } } },
              },
            },
          },
          mqtt: MQTT_UP,
          'liveness-state': { status: 'UP' },
          'readiness-state': { status: 'UP' },
        },
        groups: expect.arrayContaining(['liveness', 'readiness']),
      });

      const liveness = await api(app).get(`${API}/liveness`);
      expectHealthAnswer(liveness, 200);
      expect(liveness.body).toEqual({ status: 'UP' });

      const readiness = await api(app).get(`${API}/readiness`);
      expectHealthAnswer(readiness, 200);
      expect(readiness.body).toEqual({ status: 'UP', components: { cluster: CLUSTER_UP, mqtt: MQTT_UP } });
    });

    it('answers 503 with readiness-state OUT_OF_SERVICE when a readiness member is DOWN', async () => {
      clusterIndicator.status = DOWN;
      await refreshed(app);

      const res = await api(app).get(API);

      expectHealthAnswer(res, 503);
      expect(res.body.status).toBe('DOWN');
      expect(res.body.components).toMatchObject({
        cluster: { status: 'DOWN', details: cluster(DOWN) },
        'liveness-state': { status: 'UP' },
        'readiness-state': { status: 'OUT_OF_SERVICE' },
      });
    });

    it('stays 200 when a component is only DEGRADED', async () => {
      extensions.entrypoint = DEGRADED;
      await refreshed(app);

      const res = await api(app).get(API);

      expectHealthAnswer(res, 200);
      expect(res.body.status).toBe('DEGRADED');
      expect(res.body.components.extensions.status).toBe('DEGRADED');
    });
  });

  describe('liveness', () => {
    it('answers exactly {"status":"UP"}', async () => {
      const res = await api(app).get(`${API}/liveness`);

      expectHealthAnswer(res, 200);
      expect(res.text).toBe('{"status":"UP"}');
    });

    it('stays {"status":"UP"} while readiness members and other components are DOWN', async () => {
      clusterIndicator.status = DOWN;
      mqtt.tcp = DOWN;
      extensions.entrypoint = DOWN;
      await refreshed(app);

      const res = await api(app).get(`${API}/liveness`);

      expectHealthAnswer(res, 200);
      expect(res.text).toBe('{"status":"UP"}');
    });
  });

  describe('readiness', () => {
    it('answers UP with the members that joined by decorator and by options', async () => {
      const res = await api(app).get(`${API}/readiness`);

      expectHealthAnswer(res, 200);
      expect(res.body).toEqual({ status: 'UP', components: { cluster: CLUSTER_UP, mqtt: MQTT_UP } });
    });

    it('answers 200 DEGRADED_SERVICE when a member is DEGRADED', async () => {
      mqtt.tls = DEGRADED;
      await refreshed(app);

      const res = await api(app).get(`${API}/readiness`);

      expectHealthAnswer(res, 200);
      expect(res.body).toEqual({ status: 'DEGRADED_SERVICE', components: { cluster: CLUSTER_UP, mqtt: mqttWithTls(DEGRADED) } });
    });

    it('answers 503 OUT_OF_SERVICE when a member is DOWN, the member still DOWN inside', async () => {
      mqtt.tcp = DOWN;
      await refreshed(app);

      const res = await api(app).get(`${API}/readiness`);

      expectHealthAnswer(res, 503);
      expect(res.body).toEqual({
        status: 'OUT_OF_SERVICE',
        components: {
          cluster: CLUSTER_UP,
          mqtt: { status: 'DOWN', components: { 'tcp-listener-1883': { status: 'DOWN', details: tcpListener(DOWN) }, 'tls-tcp-listener-8883': TLS_UP } },
        },
      });
    });

    it('answers 503 OUT_OF_SERVICE when the member that joined by decorator is DOWN', async () => {
      clusterIndicator.status = DOWN;
      await refreshed(app);

      const res = await api(app).get(`${API}/readiness`);

      expectHealthAnswer(res, 503);
      expect(res.body).toEqual({ status: 'OUT_OF_SERVICE', components: { cluster: { status: 'DOWN', details: cluster(DOWN) }, mqtt: MQTT_UP } });
    });

    it('returns to UP once the member recovers', async () => {
      clusterIndicator.status = DOWN;
      await refreshed(app);
      expect((await api(app).get(`${API}/readiness`)).status).toBe(503);

      clusterIndicator.status = UP;
      await refreshed(app);
      const res = await api(app).get(`${API}/readiness`);

      expectHealthAnswer(res, 200);
      expect(res.body.status).toBe('UP');
    });
  });

  describe('components', () => {
    it('serves a top-level component', async () => {
      const res = await api(app).get(`${API}/cluster`);

      expectHealthAnswer(res, 200);
      expect(res.body).toEqual(CLUSTER_UP);
    });

    it('serves a component with its sub-components', async () => {
      const res = await api(app).get(`${API}/extensions`);

      expectHealthAnswer(res, 200);
      expect(res.body).toEqual(EXTENSIONS_UP);
    });

    it('serves a sub-component three levels down', async () => {
      const res = await api(app).get(`${API}/extensions/my-ext/internals/entrypoint`);

      expectHealthAnswer(res, 200);
      expect(res.body).toEqual(ENTRYPOINT_UP);
    });

    it('answers a DOWN sub-component with 503, and its parents DOWN too', async () => {
      extensions.entrypoint = DOWN;
      await refreshed(app);

      const leaf = await api(app).get(`${API}/extensions/my-ext/internals/entrypoint`);
      expectHealthAnswer(leaf, 503);
      expect(leaf.body).toEqual({ status: 'DOWN', details: entrypoint(DOWN) });

      const internals = await api(app).get(`${API}/extensions/my-ext/internals`);
      expectHealthAnswer(internals, 503);
      expect(internals.body).toEqual({ status: 'DOWN', components: { entrypoint: { status: 'DOWN', details: entrypoint(DOWN) }, services: { status: 'UP' } } });
    });

    it('serves a DEGRADED listener with 200', async () => {
      mqtt.tls = DEGRADED;
      await refreshed(app);

      const res = await api(app).get(`${API}/mqtt/tls-tcp-listener-8883`);

      expectHealthAnswer(res, 200);
      expect(res.body).toEqual({ status: 'DEGRADED', details: tlsListener(DEGRADED) });
    });

    it.each([`${API}/broker`, `${API}/mqtt/ws-listener-8000`, `${API}/extensions/my-ext/internals/entrypoint/deeper`, `${API}/liveness/x`])(
      'answers 404 JSON for %s, where nothing is',
      async (path) => {
        const res = await api(app).get(path);

        expectHealthAnswer(res, 404);
        expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.stringContaining(path.slice(API.length + 1)) });
      },
    );
  });

  describe('custom group', () => {
    it('is listed with the groups of the system answer', async () => {
      const res = await api(app).get(API);

      expect(res.body.groups).toContain('tls');
    });

    it('serves its sub-component member under its path', async () => {
      const res = await api(app).get(`${API}/tls`);

      expectHealthAnswer(res, 200);
      expect(res.body).toEqual({ status: 'UP', components: { 'mqtt/tls-tcp-listener-8883': TLS_UP } });
    });

    it('applies its own mapping: DEGRADED becomes DOWN, 503, while readiness is only DEGRADED_SERVICE', async () => {
      mqtt.tls = DEGRADED;
      await refreshed(app);

      const group = await api(app).get(`${API}/tls`);
      expectHealthAnswer(group, 503);
      expect(group.body).toEqual({ status: 'DOWN', components: { 'mqtt/tls-tcp-listener-8883': { status: 'DEGRADED', details: tlsListener(DEGRADED) } } });

      const readiness = await api(app).get(`${API}/readiness`);
      expectHealthAnswer(readiness, 200);
      expect(readiness.body.status).toBe('DEGRADED_SERVICE');
    });

    it('ignores the members it does not include', async () => {
      mqtt.tcp = DOWN;
      await refreshed(app);

      const res = await api(app).get(`${API}/tls`);

      expectHealthAnswer(res, 200);
      expect(res.body).toEqual({ status: 'UP', components: { 'mqtt/tls-tcp-listener-8883': TLS_UP } });
    });
  });

  describe('HTTP', () => {
    const paths = [API, `${API}/liveness`, `${API}/readiness`, `${API}/tls`, `${API}/mqtt`, `${API}/extensions/my-ext/internals/entrypoint`, `${API}/nothing-here`];

    it.each(paths)('HEAD %s answers like GET, without a body', async (path) => {
      const get = await api(app).get(path);
      const head = await api(app).head(path);

      expect(head.status).toBe(get.status);
      expect(withoutDate(head.headers)).toEqual(withoutDate(get.headers));
      expect(head.text ?? '').toBe('');
    });

    it('HEAD answers 503 when GET does', async () => {
      clusterIndicator.status = DOWN;
      await refreshed(app);

      const head = await api(app).head(`${API}/readiness`);

      expect(head.status).toBe(503);
      expect(head.headers['cache-control']).toBe('no-store');
    });

    it.each(['post', 'put', 'delete', 'patch'] as const)('%s answers 405 JSON with Allow: GET, HEAD', async (method) => {
      for (const path of [API, `${API}/readiness`, `${API}/mqtt/tls-tcp-listener-8883`]) {
        const res = await api(app)[method](path);

        expectHealthAnswer(res, 405);
        expect(res.headers.allow).toBe('GET, HEAD');
        expect(res.body).toEqual({ statusCode: 405, error: 'Method Not Allowed', message: expect.stringContaining(method.toUpperCase()) });
      }
    });

    it('answers 503 with the JSON headers too', async () => {
      mqtt.tcp = DOWN;
      await refreshed(app);

      for (const path of [API, `${API}/readiness`, `${API}/mqtt`, `${API}/mqtt/tcp-listener-1883`]) {
        expectHealthAnswer(await api(app).get(path), 503);
      }
    });
  });
});

describe.each(PLATFORMS)('an UNKNOWN component on %s', (platform) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await startApp(platform, { imports: [HealthModule.forRoot({ ...FAST, resources: false })], providers: [LicenseHealthIndicator] });
  });
  afterAll(() => app.close());

  it('answers 200 for the component and the system, as the HiveMQ status table says', async () => {
    const component = await api(app).get(`${API}/license`);
    expectHealthAnswer(component, 200);
    expect(component.body).toEqual({ status: 'UNKNOWN' });

    const system = await api(app).get(API);
    expectHealthAnswer(system, 200);
    expect(system.body.components.license).toEqual({ status: 'UNKNOWN' });
  });
});

function withoutDate(headers: Record<string, string>): Record<string, string> {
  const { date: _date, ...rest } = headers;
  return rest;
}
