// How host apps set Nest up, and how their tests swap parts of it, seen from the app's own server:
// API versioning does not move the probes, an indicator overridden in a test keeps its component,
// importing the module twice fails with a message that says so, and forRoot() takes every default.
import { Module, VersioningType, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from '@jest/globals';
import { HEALTH_MODULE_OPTIONS, HealthConfigError, HealthModule, HealthService, HealthStatus } from 'nestjs-mqtt-health';
import request from 'supertest';
import { AppModule, InventoryDb, InventoryDbHealth } from './host-app.js';

let app: INestApplication | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function boot(
  build: (testing: ReturnType<typeof Test.createTestingModule>) => ReturnType<typeof Test.createTestingModule> = (t) => t,
) {
  const moduleRef = await build(Test.createTestingModule({ imports: [AppModule] })).compile();
  app = moduleRef.createNestApplication({ logger: false });
  return app;
}

const readiness = (headers: Record<string, string> = {}) => request(app!.getHttpServer()).get('/api/v1/health/readiness').set(headers);

describe('a host app with API versioning', () => {
  it.each([
    ['URI versioning with a default version', { type: VersioningType.URI, defaultVersion: '1' }],
    ['header versioning with a default version', { type: VersioningType.HEADER, header: 'X-Api-Version', defaultVersion: '1' }],
    ['media-type versioning', { type: VersioningType.MEDIA_TYPE, key: 'v=' }],
  ] as const)('answers its probes at the same path, with no version asked for (%s)', async (_name, versioning) => {
    const nest = await boot();
    nest.enableVersioning(versioning);
    await nest.init();
    const response = await readiness();
    expect([response.status, response.body.status]).toEqual([200, 'UP']);
  });
});

describe('a host app with a global prefix', () => {
  it('serves the probes under it, as every controller', async () => {
    const nest = await boot();
    nest.setGlobalPrefix('api');
    await nest.init();
    const prefixed = await request(nest.getHttpServer()).get('/api/api/v1/health/readiness');
    expect([prefixed.status, prefixed.body.status]).toEqual([200, 'UP']);
    expect((await readiness()).status).toBe(404);
  });
});

describe('a test that overrides an indicator', () => {
  const down = { check: () => ({ status: HealthStatus.DOWN, details: { reason: 'overridden down' } }) };

  it('keeps the component, checked by the value that replaced it', async () => {
    const nest = await boot((t) => t.overrideProvider(InventoryDbHealth).useValue(down));
    await nest.init();
    const response = await readiness();
    expect(response.status).toBe(503);
    expect(response.body.components['inventory-db']).toEqual({ status: 'DOWN', details: { reason: 'overridden down' } });
  });

  it('keeps the component, checked by an undecorated class that replaced it', async () => {
    class FakeInventoryDbHealth {
      check() {
        return { status: HealthStatus.DEGRADED, details: { reason: 'a fake' } };
      }
    }
    const nest = await boot((t) => t.overrideProvider(InventoryDbHealth).useClass(FakeInventoryDbHealth));
    await nest.init();
    const response = await readiness();
    expect([response.status, response.body.status]).toEqual([200, 'DEGRADED_SERVICE']);
    expect(response.body.components['inventory-db']).toEqual({ status: 'DEGRADED', details: { reason: 'a fake' } });
  });

  it('still reads the real indicator when only its dependency is overridden', async () => {
    const nest = await boot((t) => t.overrideProvider(InventoryDb).useValue({ ping: () => Promise.reject(new Error('mocked down')) }));
    await nest.init();
    const response = await readiness();
    expect(response.status).toBe(503);
    expect(response.body.components['inventory-db'].details.reason).toBe('mocked down');
  });

  it('can change the module options through HEALTH_MODULE_OPTIONS: a listener of its own on port 0', async () => {
    const options = { refreshIntervalMs: 1000, healthApi: { enabled: true, listeners: [{ port: 0 }] } };
    const nest = await boot((t) => t.overrideProvider(HEALTH_MODULE_OPTIONS).useValue(options));
    await nest.init();
    const health = nest.get(HealthService);
    const [listener] = health.listeners();
    expect(listener.port).toBeGreaterThan(0);
    // A port of its own answers before the app serves: start-up waits for listen(), or for the test to say so.
    expect((await readiness()).status).toBe(503);
    await health.markStartupComplete();
    await health.refresh();
    expect((await readiness()).status).toBe(200);
    const own = await fetch(`${listener.url}/api/v1/health/readiness`);
    expect(own.status).toBe(200);
  });
});

describe('providers that look like indicators', () => {
  it('boots when a test overrides an indicator with null, leaving its component out', async () => {
    const nest = await boot((t) => t.overrideProvider(InventoryDbHealth).useValue(null));
    await nest.init();
    const snapshot = await nest.get(HealthService).refresh();
    expect(Object.keys(snapshot.components)).not.toContain('inventory-db');
  });

  it('takes an undecorated subclass of an indicator for an ordinary provider', async () => {
    class LoggingInventoryDbHealth extends InventoryDbHealth {}
    @Module({ imports: [HealthModule.forRoot()], providers: [InventoryDb, InventoryDbHealth, LoggingInventoryDbHealth] })
    class WithSubclass {}
    const moduleRef = await Test.createTestingModule({ imports: [WithSubclass] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const snapshot = await app.get(HealthService).refresh();
    expect(Object.keys(snapshot.components).sort()).toEqual(['event-loop', 'inventory-db', 'resources']);
  });

  it('rejects refresh() before the module is initialised, without throwing', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const refreshed = moduleRef.get(HealthService).refresh();
    await expect(refreshed).rejects.toThrow(/not initialised HealthModule/);
  });
});

describe('HealthModule imported twice', () => {
  it.each([
    ['with every default', {}],
    ['without the built-in resources component', { resources: false }],
  ] as const)('fails the boot naming the double import (%s)', async (_name, extras) => {
    @Module({ imports: [HealthModule.forRoot({ ...extras })] })
    class FeatureModule {}
    @Module({ imports: [HealthModule.forRoot({ ...extras }), FeatureModule], providers: [InventoryDb, InventoryDbHealth] })
    class RootModule {}
    const moduleRef = Test.createTestingModule({ imports: [RootModule] });
    const failure = moduleRef.compile().then((compiled) => (app = compiled.createNestApplication({ logger: false })).init());
    await expect(failure).rejects.toThrow(HealthConfigError);
    await expect(failure).rejects.toThrow(/HealthModule\.forRoot\(\)\/forRootAsync\(\) is imported 2 times; import it once/);
    await expect(failure).rejects.toThrow(/overrideProvider\(HEALTH_MODULE_OPTIONS\)/);
  });
});

describe('HealthModule.forRoot() with no options', () => {
  it('boots with every default', async () => {
    @Module({ imports: [HealthModule.forRoot()] })
    class Defaults {}
    const moduleRef = await Test.createTestingModule({ imports: [Defaults] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const snapshot = await app.get(HealthService).refresh();
    expect(Object.keys(snapshot.components).sort()).toEqual(['event-loop', 'resources']);
    expect((await readiness()).status).toBe(200);
  });
});
