import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type ConfigurableModuleOptionsFactory, type INestApplication, type ModuleMetadata } from '@nestjs/common';
import {
  HealthConfigError,
  HealthIndicator,
  HealthIndicatorDefinitionError,
  HealthModule,
  HealthService,
  HealthStatus,
  type HealthModuleOptions,
} from 'nestjs-mqtt-health';
import { bootApp, PLATFORMS, type Platform } from './support/boot.js';
import { ClusterHealthIndicator, MqttHealthIndicator } from './support/broker.health.js';
import { API, api, detailsPaths, expectHealthAnswer, FAST, startApp } from './support/health-app.js';

/** Heap thresholds far below what any Node process uses: the heap reads DOWN. */
const TINY_HEAP = { heapDegradedRatio: 0.0001, heapDownRatio: 0.0002 };

/** Settings a host app would read from its configuration. */
@Injectable()
class BrokerSettings {
  readonly health: HealthModuleOptions = { ...FAST, groups: { edge: { members: ['cluster'] } } };
}

/** An options factory the host app already provides (for `useExisting`). */
@Injectable()
class SharedHealthOptions implements ConfigurableModuleOptionsFactory<HealthModuleOptions, 'create'> {
  create(): HealthModuleOptions {
    return { ...FAST, groups: { core: { members: ['cluster'] } } };
  }
}

@Module({ providers: [BrokerSettings, SharedHealthOptions], exports: [BrokerSettings, SharedHealthOptions] })
class SettingsModule {}

/** An options factory the module instantiates itself (for `useClass`). */
@Injectable()
class QuietHealthOptions implements ConfigurableModuleOptionsFactory<HealthModuleOptions, 'create'> {
  create(): HealthModuleOptions {
    return { ...FAST, showDetails: 'never' };
  }
}

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

  describe('forRootAsync', () => {
    it('takes options from useFactory with a provider of an imported module injected', async () => {
      await start({
        imports: [
          HealthModule.forRootAsync({ imports: [SettingsModule], inject: [BrokerSettings], useFactory: (settings: BrokerSettings) => settings.health, resources: false }),
        ],
        providers: [ClusterHealthIndicator],
      });

      const group = await api(app!).get(`${API}/edge`);
      expectHealthAnswer(group, 200);
      expect(group.body).toEqual({ status: 'UP', components: { cluster: expect.objectContaining({ status: 'UP' }) } });
      expect((await api(app!).get(API)).body.groups).toContain('edge');
    });

    it('waits for an async useFactory', async () => {
      await start({
        imports: [HealthModule.forRootAsync({ useFactory: async () => ({ ...FAST, showDetails: 'never' as const }), resources: false })],
        providers: [ClusterHealthIndicator],
      });

      const res = await api(app!).get(`${API}/cluster`);

      expectHealthAnswer(res, 200);
      expect(res.body).toEqual({ status: 'UP' });
    });

    it('takes options from useClass', async () => {
      await start({ imports: [HealthModule.forRootAsync({ useClass: QuietHealthOptions, resources: false })], providers: [ClusterHealthIndicator, MqttHealthIndicator] });

      const res = await api(app!).get(API);

      expectHealthAnswer(res, 200);
      expect(res.body.components.cluster).toEqual({ status: 'UP' });
      expect(detailsPaths(res.body)).toEqual([]);
    });

    it('takes options from useExisting, a factory provided by an imported module', async () => {
      await start({
        imports: [HealthModule.forRootAsync({ imports: [SettingsModule], useExisting: SharedHealthOptions, resources: false })],
        providers: [ClusterHealthIndicator],
      });

      const res = await api(app!).get(`${API}/core`);

      expectHealthAnswer(res, 200);
      expect(res.body).toEqual({ status: 'UP', components: { cluster: expect.objectContaining({ status: 'UP' }) } });
    });
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
      await start({ imports: [HealthModule.forRoot({ ...FAST, path: 'healthz-custom', resources: false })], providers: [ClusterHealthIndicator] });

      expectHealthAnswer(await api(app!).get('/healthz-custom/liveness'), 200);
      expect((await api(app!).get(`${API}/liveness`)).status).toBe(404);
    });

    it('mounts no routes with controller: false, while HealthService still works', async () => {
      await start({ imports: [HealthModule.forRoot({ ...FAST, controller: false, resources: false })], providers: [ClusterHealthIndicator] });

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
          disk: { status: expect.any(String), details: expect.objectContaining({ 'free-bytes': expect.any(Number), 'size-bytes': expect.any(Number) }) },
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
      await start({ imports: [HealthModule.forRootAsync({ useFactory: () => ({ ...FAST, resourceThresholds: TINY_HEAP }) })], providers: [ClusterHealthIndicator] });

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

@HealthIndicator('mqtt')
class MqttListenersHealthIndicator {
  check() {
    return { status: HealthStatus.UP };
  }
}

@HealthIndicator('mqtt')
class MqttBridgeHealthIndicator {
  check() {
    return { status: HealthStatus.UP };
  }
}

@HealthIndicator('broken')
class NoCheckHealthIndicator {}

@HealthIndicator('bridge', { groups: ['edge'] })
class EdgeBridgeHealthIndicator {
  check() {
    return { status: HealthStatus.UP };
  }
}

@HealthIndicator('readiness')
class ReadinessNamedHealthIndicator {
  check() {
    return { status: HealthStatus.UP };
  }
}

@HealthIndicator('slow', { timeoutMs: -1 })
class NegativeTimeoutHealthIndicator {
  check() {
    return { status: HealthStatus.UP };
  }
}

describe.each(PLATFORMS)('boot failures on %s', (platform: Platform) => {
  /** Boots that were expected to fail; any that succeeded anyway is closed after the test. */
  let boots: Promise<INestApplication>[] = [];
  const bootExpectingFailure = (metadata: ModuleMetadata) => {
    const booting = bootApp(platform, metadata);
    boots.push(booting);
    return booting;
  };
  const boot = (options: HealthModuleOptions, providers: ModuleMetadata['providers'] = [ClusterHealthIndicator]) =>
    bootExpectingFailure({ imports: [HealthModule.forRoot({ ...options, resources: false })], providers });

  afterEach(async () => {
    await Promise.all(boots.map((booting) => booting.then((app) => app.close(), () => undefined)));
    boots = [];
  });

  it('rejects two indicators with the same name, naming both classes', async () => {
    const booting = boot(FAST, [MqttListenersHealthIndicator, MqttBridgeHealthIndicator]);

    await expect(booting).rejects.toThrow(HealthIndicatorDefinitionError);
    await expect(booting).rejects.toThrow(/"mqtt".*(MqttListenersHealthIndicator and MqttBridgeHealthIndicator|MqttBridgeHealthIndicator and MqttListenersHealthIndicator)/);
  });

  it('rejects an indicator class without check()', async () => {
    await expect(boot(FAST, [NoCheckHealthIndicator])).rejects.toThrow(/NoCheckHealthIndicator is marked @HealthIndicator\('broken'\) but has no check\(\) method/);
  });

  it.each([
    ['refreshIntervalMs', { refreshIntervalMs: 0 }],
    ['timeoutMs', { timeoutMs: -5 }],
    ['staleAfterMs', { refreshIntervalMs: 1000, staleAfterMs: 500 }],
    ['showDetails', { showDetails: 'sometimes' }],
    ['authorize', { showDetails: 'when-authorized' }],
    ['groups.readiness.mapping.DOWN', { groups: { readiness: { mapping: { DOWN: 'BROKEN' } } } }],
    ['refreshIntervalMS', { refreshIntervalMS: 1000 }],
    ['resourceThresholds.heapDownRatio', { resourceThresholds: { heapDownRatio: 95 } }],
  ])('rejects an invalid option, naming the field %s', async (field, options) => {
    const booting = boot(options as HealthModuleOptions);

    await expect(booting).rejects.toThrow(HealthConfigError);
    await expect(booting).rejects.toThrow(`"${field}"`);
  });

  it('rejects an invalid option given by forRootAsync', async () => {
    const booting = bootExpectingFailure({ imports: [HealthModule.forRootAsync({ useFactory: () => ({ refreshIntervalMs: 1.5 }), resources: false })] });

    await expect(booting).rejects.toThrow(/"refreshIntervalMs" must be a positive integer/);
  });

  it('rejects an invalid @HealthIndicator() option, naming the class and the field', async () => {
    await expect(boot(FAST, [NegativeTimeoutHealthIndicator])).rejects.toThrow(/NegativeTimeoutHealthIndicator: @HealthIndicator\(\) option "timeoutMs"/);
  });

  it('rejects a group member that names no indicator', async () => {
    await expect(boot({ ...FAST, groups: { readiness: { members: ['cluster', 'mqtt/tls-tcp-listener-8883'] } } })).rejects.toThrow(
      /Health group "readiness" names "mqtt\/tls-tcp-listener-8883", but no health indicator has that name/,
    );
  });

  it('rejects an indicator joining an undeclared group', async () => {
    await expect(boot(FAST, [EdgeBridgeHealthIndicator])).rejects.toThrow(/EdgeBridgeHealthIndicator joins health group "edge", which is not declared/);
  });

  it('boots once that group is declared', async () => {
    const app = await bootApp(platform, {
      imports: [HealthModule.forRoot({ ...FAST, groups: { edge: {} }, resources: false })],
      providers: [EdgeBridgeHealthIndicator],
    });
    try {
      expect(app.get(HealthService).snapshot().groups.edge.components).toEqual({ bridge: { status: 'UP' } });
    } finally {
      await app.close();
    }
  });

  it('rejects a custom group named like an indicator', async () => {
    await expect(boot({ ...FAST, groups: { cluster: { members: [] } } })).rejects.toThrow(
      /"cluster" is both a health group and the name of health indicator ClusterHealthIndicator/,
    );
  });

  it('rejects an indicator named like a built-in group', async () => {
    await expect(boot(FAST, [ReadinessNamedHealthIndicator])).rejects.toThrow(
      /"readiness" is both a health group and the name of health indicator ReadinessNamedHealthIndicator/,
    );
  });
});
