import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { FleetSummary } from 'nestjs-mqtt-health';
import {
  FLEET_KEYS,
  READ_SUMMARIES,
  SHARE_SUMMARY,
  SUMMARIES_KEY,
  SUMMARIES_PER_READ,
  SUMMARY_COUNTER_KEY,
  SUMMARY_SEQ_KEY,
  type SummariesReply,
} from './fleet-scripts.js';
import { FleetStore } from './fleet-store.js';
import { FORGET_AFTER_MS } from './membership-view.js';
import { runScript } from './redis-scripts.js';
import { hasRedis, startRedisServer } from './redis-server.test-kit.js';

const summary = (node: string, status: FleetSummary['status'] = 'UP'): FleetSummary => ({
  v: 1,
  node,
  status,
  state: 'RUNNING',
  groups: { readiness: status },
  components: {},
  updatedAt: new Date().toISOString(),
});

/** A store, or a broken or hostile writer, against a real redis-server (skipped without one). */
(hasRedis ? describe : describe.skip)('the fleet scripts against what they did not write', () => {
  let stopRedis: (() => void) | undefined;
  let redis: Redis;
  const share = (id: string, s: FleetSummary) =>
    runScript(redis, SHARE_SUMMARY, FLEET_KEYS, [id, JSON.stringify(s), String(FORGET_AFTER_MS)]);
  const read = async (epoch: string, seq: number) =>
    (await runScript(redis, READ_SUMMARIES, FLEET_KEYS, ['reader', epoch, String(seq), String(FORGET_AFTER_MS)])) as SummariesReply;

  beforeAll(async () => {
    ({ redis, stop: stopRedis } = await startRedisServer());
  });
  afterAll(() => stopRedis?.());
  beforeEach(() => redis.flushall());

  it('returns a change numbered above the counter once, not with every read: the counter is raised to it', async () => {
    await share('a', summary('a'));
    await redis.zadd(SUMMARY_SEQ_KEY, 1e12, 'fake');
    const [epoch, counter, , changed] = await read('', 0);
    expect([counter, changed]).toEqual([1e12, ['a', '1', 'fake', '1000000000000']]);
    expect((await read(epoch, counter))[3]).toEqual([]);
    expect(await share('b', summary('b'))).toBe(1e12 + 1);
  });

  it('mends a lost counter once: readers read everything once in a new epoch, then only what changes', async () => {
    await share('a', summary('a'));
    const [epoch, counter] = await read('', 0);
    await redis.del(SUMMARY_COUNTER_KEY);
    const [renewed, mended, , all] = await read(epoch, counter);
    expect([renewed !== epoch, mended, all]).toEqual([true, 1, ['a', '1']]);
    expect((await read(renewed, mended))[3]).toEqual([]);
  });

  it('returns at most SUMMARIES_PER_READ summaries a read, the rest with the next reads', async () => {
    for (let i = 0; i < SUMMARIES_PER_READ + 10; i++) await share(`n${i}`, summary(`n${i}`));
    const [epoch, counter, , first] = await read('', 0);
    expect([first.length / 2, counter]).toEqual([SUMMARIES_PER_READ, SUMMARIES_PER_READ]);
    const [, last, , rest] = await read(epoch, counter);
    expect([rest.length / 2, last]).toEqual([10, SUMMARIES_PER_READ + 10]);
  });

  it("writes this node's summary again when something else wrote over it", async () => {
    const store = new FleetStore({ nodeId: 'a', heartbeatMs: 100, holdsNodeId: true, peers: () => [] });
    const control = new Redis(redis.options.port!, '127.0.0.1');
    try {
      store.start(control);
      store.share(summary('a', 'UP'));
      for (let i = 0; i < 100 && !(await redis.hget(SUMMARIES_KEY, 'a')); i++) await sleep(10);
      await share('a', summary('a', 'DOWN'));
      for (let i = 0; i < 100 && JSON.parse((await redis.hget(SUMMARIES_KEY, 'a'))!).status !== 'UP'; i++) await sleep(10);
      expect(JSON.parse((await redis.hget(SUMMARIES_KEY, 'a'))!).status).toBe('UP');
    } finally {
      await store.leave();
      control.disconnect();
    }
  });
});
