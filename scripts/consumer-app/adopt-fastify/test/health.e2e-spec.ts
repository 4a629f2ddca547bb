import { Test, TestingModule } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { HealthService } from 'nestjs-mqtt-health';
import { AppModule } from './../src/app.module';
import { CacheClient } from './../src/cache.client';

describe('Health (e2e)', () => {
  let app: NestFastifyApplication;

  beforeEach(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  it('readiness is UP while the cache answers, OUT_OF_SERVICE once it fails', async () => {
    const up = await app.inject({ method: 'GET', url: '/api/v1/health/readiness' });
    expect(up.json()).toMatchObject({ status: 'UP', components: { cache: { status: 'UP' } } });
    expect(up.statusCode).toBe(200);

    app.get(CacheClient).ping = () => Promise.reject(new Error('connection refused')); // what jest.spyOn would do
    await app.get(HealthService).refresh();

    const down = await app.inject({ method: 'GET', url: '/api/v1/health/readiness' });
    expect(down.json()).toMatchObject({
      status: 'OUT_OF_SERVICE',
      components: { cache: { status: 'DOWN', details: { reason: 'connection refused' } } },
    });
    expect(down.statusCode).toBe(503);
  });

  afterEach(async () => {
    await app.close();
  });
});
