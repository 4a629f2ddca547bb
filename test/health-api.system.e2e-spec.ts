import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { HealthStatus } from 'nestjs-mqtt-health';
import { PLATFORMS } from './support/boot.js';
import {
  cluster,
  ClusterHealthIndicator,
  entrypoint,
  extension,
  ExtensionsHealthIndicator,
  MqttHealthIndicator,
} from './support/broker.health.js';
import { API, api, expectHealthAnswer, refreshed } from './support/health-app.js';
import { CLUSTER_UP, EXTENSIONS_UP, MQTT_UP, resetHiveMqApp, startHiveMqApp } from './support/hivemq-app.js';

const { DEGRADED, DOWN } = HealthStatus;

describe.each(PLATFORMS)('HiveMQ Health API on %s', (platform) => {
  let app: INestApplication;
  let clusterIndicator: ClusterHealthIndicator;
  let mqtt: MqttHealthIndicator;
  let extensions: ExtensionsHealthIndicator;

  beforeAll(async () => {
    ({ app, clusterIndicator, mqtt, extensions } = await startHiveMqApp(platform));
  });

  afterEach(() => resetHiveMqApp(app));

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
                components: {
                  internals: {
                    status: 'DOWN',
                    components: { entrypoint: { status: 'DOWN', details: entrypoint(DOWN) }, services: { status: 'UP' } },
                  },
                },
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
});
