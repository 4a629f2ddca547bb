import { INestApplication } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { HealthService } from 'nestjs-mqtt-health';
import request from 'supertest';
import { AppModule } from './../src/app.module';
import { CacheClient } from './../src/cache.client';

describe('Health (e2e)', () => {
  let app: INestApplication;

  beforeEach(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication();
    await app.init();
  });

  it('readiness is UP while the cache answers, OUT_OF_SERVICE once it fails', async () => {
    const up = await request(app.getHttpServer()).get('/api/v1/health/readiness');
    expect(up.body).toMatchObject({ status: 'UP', components: { cache: { status: 'UP' } } });
    expect(up.status).toBe(200);

    app.get(CacheClient).ping = () => Promise.reject(new Error('connection refused')); // what jest.spyOn or vi.spyOn would do
    await app.get(HealthService).refresh();

    const down = await request(app.getHttpServer()).get('/api/v1/health/readiness');
    expect(down.body).toMatchObject({
      status: 'OUT_OF_SERVICE',
      components: { cache: { status: 'DOWN', details: { reason: 'connection refused' } } },
    });
    expect(down.status).toBe(503);
  });

  afterEach(async () => {
    await app.close();
  });
});
