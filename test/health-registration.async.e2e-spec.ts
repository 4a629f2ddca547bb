import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type ConfigurableModuleOptionsFactory, type INestApplication, type ModuleMetadata } from '@nestjs/common';
import { HealthModule, type HealthModuleOptions } from 'nestjs-mqtt-health';
import { PLATFORMS } from './support/boot.js';
import { ClusterHealthIndicator, MqttHealthIndicator } from './support/broker.health.js';
import { API, api, detailsPaths, expectHealthAnswer, FAST, startApp } from './support/health-app.js';

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
          HealthModule.forRootAsync({
            imports: [SettingsModule],
            inject: [BrokerSettings],
            useFactory: (settings: BrokerSettings) => settings.health,
            resources: false,
          }),
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
      await start({
        imports: [HealthModule.forRootAsync({ useClass: QuietHealthOptions, resources: false })],
        providers: [ClusterHealthIndicator, MqttHealthIndicator],
      });

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
});
