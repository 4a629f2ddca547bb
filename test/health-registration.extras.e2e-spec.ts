import { afterEach, describe, expect, it } from '@jest/globals';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { HealthModule, HealthService, HealthStatus } from 'nestjs-mqtt-health';
import { PLATFORMS } from './support/boot.js';
import { ClusterHealthIndicator } from './support/broker.health.js';
import { API, api, expectHealthAnswer, FAST, startApp } from './support/health-app.js';

/** Heap thresholds far below what any Node process uses: the heap reads DOWN. */
const TINY_HEAP = { heapDegradedRatio: 0.0001, heapDownRatio: 0.0002 };

describe.each(PLATFORMS)('module registration on %s', (platform) => {
  let app: INestApplication | undefined;

  async function start(metadata: ModuleMetadata): Promise<INestApplication> {
    app = await startApp(platform, metadata);
    return app;
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  describe('extras', () => {
    it('serves the API under a custom prefix, and nothing under the default one', async () => {
      await start({
        imports: [HealthModule.forRootAsync({ useFactory: () => FAST, path: 'healthz-custom', resources: false })],
        providers: [ClusterHealthIndicator],
      });

      const system = await api(app!).get('/healthz-custom');
      expectHealthAnswer(system, 200);
      expect(system.body.components).toMatchObject({ cluster: { status: 'UP' }, 'readiness-state': { status: 'UP' } });

      const readiness = await api(app!).get('/healthz-custom/readiness');
      expectHealthAnswer(readiness, 200);
      expect(readiness.body.components).toHaveProperty('cluster');

      expect((await api(app!).get('/healthz-custom/cluster')).status).toBe(200);
      expect((await api(app!).get(API)).status).toBe(404);
    });

    it('takes a custom prefix with forRoot too', async () => {
      await start({
        imports: [HealthModule.forRoot({ ...FAST, path: 'healthz-custom', resources: false })],
        providers: [ClusterHealthIndicator],
      });

      expectHealthAnswer(await api(app!).get('/healthz-custom/liveness'), 200);
      expect((await api(app!).get(`${API}/liveness`)).status).toBe(404);
    });

    it('mounts no routes with controller: false, while HealthService still works', async () => {
      await start({
        imports: [HealthModule.forRoot({ ...FAST, controller: false, resources: false })],
        providers: [ClusterHealthIndicator],
      });

      for (const path of [API, `${API}/liveness`, `${API}/readiness`, `${API}/cluster`]) {
        const res = await api(app!).get(path);
        expect(res.status).toBe(404);
        expect(res.body).toEqual(expect.objectContaining({ statusCode: 404, message: expect.stringContaining(path) }));
      }
      expect(app!.get(HealthService).snapshot().components.cluster.status).toBe(HealthStatus.UP);
    });

    it('registers the built-in resources component, with heap and disk, by default', async () => {
      await start({ imports: [HealthModule.forRoot(FAST)], providers: [ClusterHealthIndicator] });

      const system = await api(app!).get(API);
      expect(system.body.components.resources).toEqual({
        status: expect.any(String),
        components: {
          heap: { status: expect.any(String), details: { 'used-bytes': expect.any(Number), 'limit-bytes': expect.any(Number) } },
          disk: {
            status: expect.any(String),
            details: expect.objectContaining({ 'free-bytes': expect.any(Number), 'size-bytes': expect.any(Number) }),
          },
        },
      });

      const heap = await api(app!).get(`${API}/resources/heap`);
      expectHealthAnswer(heap, heap.body.status === 'DOWN' ? 503 : 200);
      expect(Object.values(HealthStatus)).toContain(heap.body.status);
      expect(heap.body.details['used-bytes']).toBeLessThan(heap.body.details['limit-bytes']);
    });

    it('applies resourceThresholds given to forRoot', async () => {
      await start({ imports: [HealthModule.forRoot({ ...FAST, resourceThresholds: TINY_HEAP })], providers: [ClusterHealthIndicator] });

      const heap = await api(app!).get(`${API}/resources/heap`);

      expectHealthAnswer(heap, 503);
      expect(heap.body.status).toBe('DOWN');
    });

    it('applies resourceThresholds given to forRootAsync', async () => {
      await start({
        imports: [HealthModule.forRootAsync({ useFactory: () => ({ ...FAST, resourceThresholds: TINY_HEAP }) })],
        providers: [ClusterHealthIndicator],
      });

      const heap = await api(app!).get(`${API}/resources/heap`);

      expectHealthAnswer(heap, 503);
      expect(heap.body.status).toBe('DOWN');
    });

    it('leaves the resources component out with resources: false', async () => {
      await start({ imports: [HealthModule.forRoot({ ...FAST, resources: false })], providers: [ClusterHealthIndicator] });

      const system = await api(app!).get(API);
      expectHealthAnswer(system, 200);
      expect(Object.keys(system.body.components).sort()).toEqual(['cluster', 'liveness-state', 'readiness-state']);
      expectHealthAnswer(await api(app!).get(`${API}/resources`), 404);
    });
  });
});
