import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { HealthStatus } from 'nestjs-mqtt-health';
import { PLATFORMS } from './support/boot.js';
import { cluster, ClusterHealthIndicator, MqttHealthIndicator, tcpListener, tlsListener } from './support/broker.health.js';
import { API, api, expectHealthAnswer, refreshed } from './support/health-app.js';
import { CLUSTER_UP, MQTT_UP, mqttWithTls, resetHiveMqApp, startHiveMqApp, TLS_UP } from './support/hivemq-app.js';

const { UP, DEGRADED, DOWN } = HealthStatus;

describe.each(PLATFORMS)('HiveMQ Health API on %s', (platform) => {
  let app: INestApplication;
  let clusterIndicator: ClusterHealthIndicator;
  let mqtt: MqttHealthIndicator;

  beforeAll(async () => {
    ({ app, clusterIndicator, mqtt } = await startHiveMqApp(platform));
  });

  afterEach(() => resetHiveMqApp(app));

  afterAll(() => app.close());

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
          mqtt: {
            status: 'DOWN',
            components: { 'tcp-listener-1883': { status: 'DOWN', details: tcpListener(DOWN) }, 'tls-tcp-listener-8883': TLS_UP },
          },
        },
      });
    });

    it('answers 503 OUT_OF_SERVICE when the member that joined by decorator is DOWN', async () => {
      clusterIndicator.status = DOWN;
      await refreshed(app);

      const res = await api(app).get(`${API}/readiness`);

      expectHealthAnswer(res, 503);
      expect(res.body).toEqual({
        status: 'OUT_OF_SERVICE',
        components: { cluster: { status: 'DOWN', details: cluster(DOWN) }, mqtt: MQTT_UP },
      });
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
      expect(group.body).toEqual({
        status: 'DOWN',
        components: { 'mqtt/tls-tcp-listener-8883': { status: 'DEGRADED', details: tlsListener(DEGRADED) } },
      });

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
});
