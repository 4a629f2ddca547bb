// aedes-persistence's abstract suite (node:test) against the demo's stores as the broker opens them:
// LevelDB (classic-level) or Redis, each released in arrival order. Run by abstract-persistence.e2e-spec.ts
// after the Jest globalSetup has built apps/broker/dist. env: STORE=level|redis, REDIS_URL for redis.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { after } from 'node:test';
import { releaseInArrivalOrder } from '../../apps/broker/dist/storage/arrival-order.js';

const require = createRequire(import.meta.url);
const abstractSuite = require('aedes-persistence/abstract.js');

if (process.env.STORE === 'redis') {
  const { Redis } = require('ioredis');
  const aedesPersistenceRedis = require('aedes-persistence-redis');
  const mqemitterRedis = require('mqemitter-redis');
  const url = process.env.REDIS_URL;
  abstractSuite({
    test,
    waitForReady: true,
    buildEmitter: () => mqemitterRedis({ connectionString: url }),
    async persistence() {
      const conn = new Redis(url);
      await conn.flushall();
      const persistence = aedesPersistenceRedis({ conn });
      releaseInArrivalOrder(persistence);
      const destroy = persistence.destroy.bind(persistence);
      persistence.destroy = (done) => destroy(() => persistence.broker.mq.close(() => (conn.disconnect(), done?.())));
      return persistence;
    },
  });
} else {
  const aedesPersistenceLevel = require('aedes-persistence-level');
  const { ClassicLevel } = require('classic-level');
  const root = mkdtempSync(join(tmpdir(), 'abstract-level-'));
  let databases = 0;
  after(() => rmSync(root, { recursive: true, force: true }));
  abstractSuite({
    test,
    waitForReady: true,
    persistence() {
      const persistence = aedesPersistenceLevel(new ClassicLevel(join(root, String(databases++))));
      releaseInArrivalOrder(persistence);
      return persistence;
    },
  });
}
