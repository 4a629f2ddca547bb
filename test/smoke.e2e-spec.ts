import { describe, expect, it, afterAll, beforeAll } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { HealthIndicator, HealthModule, HealthStatus } from 'nestjs-mqtt-health';
import { bootApp, PLATFORMS } from './support/boot.js';

@HealthIndicator('broker', { groups: ['readiness'] })
class BrokerIndicator {
  check() {
    return { status: HealthStatus.UP, details: { 'broker-id': 'b1' } };
  }
}

describe.each(PLATFORMS)('smoke on %s', (platform) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await bootApp(platform, { imports: [HealthModule.forRoot({})], providers: [BrokerIndicator] });
  });
  afterAll(() => app.close());

  it('serves the system tree', async () => {
    const res = await request(app.getHttpServer()).get('/api/v1/health/readiness');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'UP', components: { broker: { status: 'UP', details: { 'broker-id': 'b1' } } } });
    const sys = await request(app.getHttpServer()).get('/api/v1/health');
    console.log(JSON.stringify(sys.body));
    expect(sys.status).toBe(200);
  });
});
