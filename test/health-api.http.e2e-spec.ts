import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { HealthStatus } from 'nestjs-mqtt-health';
import { PLATFORMS } from './support/boot.js';
import { ClusterHealthIndicator, MqttHealthIndicator } from './support/broker.health.js';
import { API, api, expectHealthAnswer, refreshed } from './support/health-app.js';
import { resetHiveMqApp, startHiveMqApp } from './support/hivemq-app.js';

const { DOWN } = HealthStatus;

describe.each(PLATFORMS)('HiveMQ Health API on %s', (platform) => {
  let app: INestApplication;
  let clusterIndicator: ClusterHealthIndicator;
  let mqtt: MqttHealthIndicator;

  beforeAll(async () => {
    ({ app, clusterIndicator, mqtt } = await startHiveMqApp(platform));
  });

  afterEach(() => resetHiveMqApp(app));

  afterAll(() => app.close());

  describe('HTTP', () => {
    const paths = [
      API,
      `${API}/liveness`,
      `${API}/readiness`,
      `${API}/tls`,
      `${API}/mqtt`,
      `${API}/extensions/my-ext/internals/entrypoint`,
      `${API}/nothing-here`,
    ];

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

function withoutDate(headers: Record<string, string>): Record<string, string> {
  const { date: _date, ...rest } = headers;
  return rest;
}
