// The wall clock of a host app steps (an NTP step, a VM resumed, `jest.setSystemTime()` in the app's own test
// after `app.init()`): readiness keeps following the dependencies, not the step. Only Date is faked here, so
// timers, performance.now() and the sockets run in real time, exactly as under a stepped system clock.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  HealthIndicator,
  HealthModule,
  HealthService,
  HealthStatus,
  type HealthComponent,
  type HealthComponentCheck,
} from 'nestjs-mqtt-health';
import request from 'supertest';
import { InventoryDb, InventoryDbHealth } from './host-app.js';

const READINESS = '/api/v1/health/readiness';
const HOUR = 3_600_000;
const TEN_MINUTES = 600_000;

/** A costly check of the same database, run at most every 400 ms: how often it runs is what the test counts. */
@HealthIndicator('inventory-replicas', { groups: ['readiness'], intervalMs: 400, timeoutMs: 500 })
class InventoryReplicasHealth implements HealthComponentCheck {
  static calls = 0;

  constructor(private readonly db: InventoryDb) {}

  async check(): Promise<HealthComponent> {
    InventoryReplicasHealth.calls++;
    await this.db.ping();
    return { status: HealthStatus.UP };
  }
}

@Module({
  imports: [HealthModule.forRoot({ refreshIntervalMs: 200 })],
  providers: [InventoryDb, InventoryDbHealth, InventoryReplicasHealth],
})
class AppModule {}

/** Every API but Date stays real; the fake Date keeps moving with real time, from wherever the test sets it. */
function fakeDateOnly(): void {
  jest.useFakeTimers({
    advanceTimers: true,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}

/** Resolves once the background refresher has completed `count` more refreshes. */
async function refreshes(health: HealthService, count: number): Promise<void> {
  const seen = new Set([health.snapshot().refreshedAt]);
  for (let i = 0; i < 200 && seen.size <= count; i++) {
    await sleep(20);
    seen.add(health.snapshot().refreshedAt);
  }
  expect(seen.size).toBeGreaterThan(count);
}

let app: INestApplication | undefined;

async function boot(): Promise<INestApplication> {
  const moduleFixture = await Test.createTestingModule({ imports: [AppModule] }).compile();
  app = moduleFixture.createNestApplication({ logger: false });
  await app.init();
  await request(app.getHttpServer()).get(READINESS).expect(200);
  return app;
}

afterEach(async () => {
  jest.useRealTimers();
  await app?.close();
  app = undefined;
});

describe('a wall clock stepped forward an hour after app.init()', () => {
  it('keeps readiness 200 across the next refreshes, with times shown from the stepped clock, and still sees a failure', async () => {
    const app = await boot();
    const health = app.get(HealthService);
    fakeDateOnly();
    const stepped = Date.now() + HOUR;
    jest.setSystemTime(stepped);

    const right = await request(app.getHttpServer()).get(READINESS).expect(200);
    expect(right.body.status).toBe('UP');
    for (let i = 0; i < 2; i++) {
      await refreshes(health, 1);
      const response = await request(app.getHttpServer()).get(READINESS).expect(200);
      expect(response.body).toMatchObject({ status: 'UP', components: { 'inventory-db': { status: 'UP' } } });
      const snapshot = health.snapshot();
      expect(snapshot.stale).toBe(false);
      expect(snapshot.refreshedAt).toBeGreaterThanOrEqual(stepped);
    }

    // Verdicts still follow the dependency: a failure reads as the failure, not as stale results.
    const db = app.get(InventoryDb);
    await db.fail();
    await refreshes(health, 1);
    const down = await request(app.getHttpServer()).get(READINESS).expect(503);
    expect(down.body.components['inventory-db']).toEqual({
      status: 'DOWN',
      details: { reason: `connect ECONNREFUSED 127.0.0.1:${db.port}` },
    });
  });
});

describe('a wall clock stepped back ten minutes', () => {
  it('keeps a check with intervalMs running on time, and readiness 200', async () => {
    const app = await boot();
    const health = app.get(HealthService);
    fakeDateOnly();
    jest.setSystemTime(Date.now() - TEN_MINUTES);
    const before = InventoryReplicasHealth.calls;
    // 400 ms apart, so about four runs in 1.8 s; two is the least that shows it was not frozen.
    await sleep(1800);
    expect(InventoryReplicasHealth.calls - before).toBeGreaterThanOrEqual(2);
    expect(health.snapshot().stale).toBe(false);
    await request(app.getHttpServer()).get(READINESS).expect(200);
  });
});
