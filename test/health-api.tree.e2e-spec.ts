import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { HealthIndicator, HealthModule, HealthStatus } from 'nestjs-mqtt-health';
import { PLATFORMS } from './support/boot.js';
import { entrypoint, ExtensionsHealthIndicator, MqttHealthIndicator, tlsListener } from './support/broker.health.js';
import { API, api, expectHealthAnswer, FAST, refreshed, startApp } from './support/health-app.js';
import { CLUSTER_UP, ENTRYPOINT_UP, EXTENSIONS_UP, resetHiveMqApp, startHiveMqApp } from './support/hivemq-app.js';

const { DEGRADED, DOWN } = HealthStatus;

@HealthIndicator('license')
class LicenseHealthIndicator {
  check() {
    return { status: HealthStatus.UNKNOWN };
  }
}

describe.each(PLATFORMS)('HiveMQ Health API on %s', (platform) => {
  let app: INestApplication;
  let mqtt: MqttHealthIndicator;
  let extensions: ExtensionsHealthIndicator;

  beforeAll(async () => {
    ({ app, mqtt, extensions } = await startHiveMqApp(platform));
  });

  afterEach(() => resetHiveMqApp(app));

  afterAll(() => app.close());

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
      expect(internals.body).toEqual({
        status: 'DOWN',
        components: { entrypoint: { status: 'DOWN', details: entrypoint(DOWN) }, services: { status: 'UP' } },
      });
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
        expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'no health component or group at this path' });
        // The body never echoes what the client put in the URL.
        expect(res.text).not.toContain(path.slice(API.length + 1));
      },
    );
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
