// The same e2e test on the Fastify adapter: app.init(), then the Fastify instance ready() and inject().
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { HealthService } from 'nestjs-mqtt-health';
import { AppModule, InventoryDb } from './host-app.js';

// inject() loads light-my-request, which require()s cookie 2, an ES module: Jest's require cannot load one before
// Node 24.9. The test imports it and hands Jest that module (an app on Node 24.9+, or with supertest, needs nothing).
const require = createRequire(import.meta.url);
const cookiePath = createRequire(require.resolve('light-my-request')).resolve('cookie');
const cookie: unknown = await import(cookiePath);
jest.doMock(cookiePath, () => cookie);

describe('AppModule on Fastify (e2e)', () => {
  let app: NestFastifyApplication;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterEach(async () => {
    await app.close();
  });

  it('answers readiness 200 after init, then 503 once refresh() has seen the database fail', async () => {
    const ready = await app.inject({ method: 'GET', url: '/api/v1/health/readiness' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'UP', components: { 'inventory-db': { status: 'UP' } } });

    await app.get(InventoryDb).fail();
    await app.get(HealthService).refresh();
    const failed = await app.inject({ method: 'GET', url: '/api/v1/health/readiness' });
    expect(failed.statusCode).toBe(503);
    expect(failed.json()).toMatchObject({ status: 'OUT_OF_SERVICE', components: { 'inventory-db': { status: 'DOWN' } } });
  });
});
