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
    const up = await request(app.getHttpServer()).get('/api/v1/health/readiness').expect(200);
    expect(up.body.status).toBe('UP');
    expect(up.body.components.cache.status).toBe('UP');

    app.get(CacheClient).ping = () => Promise.reject(new Error('connection refused')); // what jest.spyOn or vi.spyOn would do
    await app.get(HealthService).refresh();

    const down = await request(app.getHttpServer()).get('/api/v1/health/readiness').expect(503);
    expect(down.body.status).toBe('OUT_OF_SERVICE');
    expect(down.body.components.cache.status).toBe('DOWN');
  });

  afterEach(async () => {
    await app.close();
  });
});
