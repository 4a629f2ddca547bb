// A host app's e2e test as `nest new` generates it: the app's own module, createNestApplication(), app.init()
// and supertest against app.getHttpServer(), with no listen(). It must read the truth from the first request.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { HealthService, type HealthTransition } from 'nestjs-mqtt-health';
import request from 'supertest';
import { AppModule, appModule, InventoryDb, RecordingLogger } from './host-app.js';

const READINESS = '/api/v1/health/readiness';

describe('AppModule (e2e)', () => {
  let app: INestApplication;

  beforeEach(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleFixture.createNestApplication({ logger: false });
    await app.init();
  });

  afterEach(async () => {
    await app.close();
  });

  it('answers readiness 200 after app.init(), without listen()', async () => {
    const response = await request(app.getHttpServer()).get(READINESS).expect(200);
    expect(response.body).toMatchObject({ status: 'UP', components: { 'inventory-db': { status: 'UP' } } });
    expect(app.get(HealthService).snapshot().started).toBe(true);
  });

  it("answers 503 as soon as refresh() has seen the database fail, with Node's error as the reason", async () => {
    const db = app.get(InventoryDb);
    await db.fail();
    await app.get(HealthService).refresh();
    const response = await request(app.getHttpServer()).get(READINESS).expect(503);
    expect(response.body.status).toBe('OUT_OF_SERVICE');
    expect(response.body.components['inventory-db']).toEqual({
      status: 'DOWN',
      details: { reason: `connect ECONNREFUSED 127.0.0.1:${db.port}` },
    });
  });
});

describe('closing the app of a test', () => {
  it('does not wait for the drain window: app.close() alone does not drain', async () => {
    const moduleFixture = await Test.createTestingModule({ imports: [appModule({ drainMs: 5000 })] }).compile();
    const app = moduleFixture.createNestApplication();
    const logger = new RecordingLogger();
    app.useLogger(logger);
    await app.init();
    const health = app.get(HealthService);
    const transitions: HealthTransition[] = [];
    health.changes$.subscribe((t) => transitions.push(t));
    await request(app.getHttpServer()).get(READINESS).expect(200);
    await app.close();
    expect(health.isDraining).toBe(false);
    expect(transitions.filter((t) => t.reason === 'draining')).toEqual([]);
    // The one warning: a production app closing from its own signal handler learns why it did not drain.
    expect(logger.lines.filter((line) => line.level !== 'log')).toEqual([
      { level: 'warn', message: expect.stringContaining('Closing without the 5000 ms drain: no signal closed the app.') },
    ]);
  });
});

describe('a Health API with a port of its own', () => {
  const ownPort = appModule({ healthApi: { enabled: true, listeners: [{ port: 0 }] } });

  async function boot(): Promise<INestApplication> {
    const moduleFixture = await Test.createTestingModule({ imports: [ownPort] }).compile();
    const app = moduleFixture.createNestApplication({ logger: false });
    await app.init();
    return app;
  }

  it('answers "starting" on that port until the app listens, or until the test completes start-up itself', async () => {
    const app = await boot();
    try {
      const health = app.get(HealthService);
      const [listener] = health.listeners();
      const url = `http://127.0.0.1:${listener.port}`;
      const starting = await request(url).get(READINESS).expect(503);
      expect(starting.body).toMatchObject({ status: 'OUT_OF_SERVICE', details: { reason: 'starting' } });
      await health.markStartupComplete();
      await request(url).get(READINESS).expect(200);
      await request(app.getHttpServer()).get(READINESS).expect(200);
    } finally {
      await app.close();
    }
  });

  it('binds a port of its own for each app with port 0, so parallel test workers never collide', async () => {
    const apps = await Promise.all([boot(), boot()]);
    try {
      const ports = apps.map((app) => app.get(HealthService).listeners()[0].port);
      expect(ports.every((port) => port > 0)).toBe(true);
      expect(new Set(ports).size).toBe(2);
      for (const port of ports) await request(`http://127.0.0.1:${port}`).get('/api/v1/health/liveness').expect(200);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });
});
