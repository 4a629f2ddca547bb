import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { FleetSummary } from 'nestjs-mqtt-health';
import {
  FLEET_KEYS,
  READ_SUMMARIES,
  SHARE_SUMMARY,
  SUMMARIES_KEY,
  SUMMARY_SEEN_KEY,
  SUMMARY_SEQ_KEY,
  type SummariesReply,
} from './fleet-scripts.js';
import { FleetStore, type FleetMembership } from './fleet-store.js';
import { FORGET_AFTER_MS, type MembershipPeer } from './membership-view.js';
import { runScript } from './redis-scripts.js';
import { hasRedis, startRedisServer } from './redis-server.test-kit.js';

const HB = 100;

const summary = (node: string, status: FleetSummary['status'] = 'UP', updatedAt = new Date().toISOString()): FleetSummary => ({
  v: 1,
  node,
  status,
  state: 'RUNNING',
  groups: { liveness: 'UP', readiness: status },
  components: {},
  updatedAt,
});

async function eventually<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A member's membership: its peers all reachable, none leaving, unless a test says otherwise. */
function membership(nodeId: string, peers: string[]): FleetMembership & { list: MembershipPeer[]; holds: boolean } {
  const self = {
    nodeId,
    heartbeatMs: HB,
    holds: true,
    list: peers.map((id) => ({ id, reachable: true, leaving: false, lastSeen: 1 })),
    peers: () => self.list,
    get holdsNodeId() {
      return self.holds;
    },
  };
  return self;
}

/** The Lua and the store of the demo's fleet, against a real redis-server (skipped without one). */
(hasRedis ? describe : describe.skip)('the fleet store', () => {
  let stopRedis: (() => void) | undefined;
  let redis: Redis;
  const stores: FleetStore[] = [];
  const connections: Redis[] = [];
  const calls = new Map<string, number>();

  /** A Redis connection of its own per member, counting the round trips it makes. */
  const control = (id: string): Redis => {
    const connection = new Redis(redis.options.port!, '127.0.0.1');
    for (const method of ['evalsha', 'eval'] as const) {
      const original = connection[method].bind(connection) as (...args: unknown[]) => Promise<unknown>;
      (connection as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        calls.set(id, (calls.get(id) ?? 0) + 1);
        return original(...args);
      };
    }
    connections.push(connection);
    return connection;
  };
  const member = (id: string, peers: string[]) => {
    const m = membership(id, peers);
    const store = new FleetStore(m);
    stores.push(store);
    return { m, store };
  };
  const summaryOf = (store: FleetStore, node: string) => store.peers().find((p) => p.node === node)?.summary;

  beforeAll(async () => {
    ({ redis, stop: stopRedis } = await startRedisServer());
  });
  afterAll(() => stopRedis?.());
  beforeEach(async () => {
    await redis.flushall();
    calls.clear();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.leave()));
    for (const connection of connections.splice(0)) connection.disconnect();
  });

  it('reads only the summaries changed since the last read, with the counter and whether this node has one', async () => {
    const share = (id: string, s: FleetSummary) =>
      runScript(redis, SHARE_SUMMARY, FLEET_KEYS, [id, JSON.stringify(s), String(FORGET_AFTER_MS)]);
    const read = async (id: string, epoch: string, seq: number) =>
      (await runScript(redis, READ_SUMMARIES, FLEET_KEYS, [id, epoch, String(seq), String(FORGET_AFTER_MS)])) as SummariesReply;
    expect(await share('a', summary('a'))).toBe(1);
    expect(await share('b', summary('b'))).toBe(2);
    const [epoch, counter, mine, changed, texts] = await read('a', '', 0);
    expect([counter, mine, changed]).toEqual([2, 1, ['a', '1', 'b', '2']]);
    expect(texts.map((t) => JSON.parse(t!).node)).toEqual(['a', 'b']);
    expect(await read('a', epoch, 2)).toEqual([epoch, 2, 1, [], [], '1']);
    await share('b', summary('b', 'DOWN'));
    const [, , , again, [b]] = await read('c', epoch, 2);
    expect([again, JSON.parse(b!).status]).toEqual([['b', '3'], 'DOWN']);
    // A reader whose node has no summary is told so; one from another epoch reads everything.
    expect((await read('c', 'another epoch', 3))[2]).toBe(0);
    expect((await read('c', 'another epoch', 3))[3]).toEqual(['a', '1', 'b', '3']);
    for (const key of FLEET_KEYS) expect(await redis.pttl(key)).toBeGreaterThan(FORGET_AFTER_MS - 1000);
  });

  it('sweeps the summaries of members silent for the forget window, and only theirs', async () => {
    await runScript(redis, SHARE_SUMMARY, FLEET_KEYS, ['a', JSON.stringify(summary('a')), String(FORGET_AFTER_MS)]);
    await runScript(redis, SHARE_SUMMARY, FLEET_KEYS, ['dead', JSON.stringify(summary('dead')), String(FORGET_AFTER_MS)]);
    const [seconds] = await redis.time();
    await redis.zadd(SUMMARY_SEEN_KEY, Number(seconds) * 1000 - FORGET_AFTER_MS - 1000, 'dead');
    await runScript(redis, READ_SUMMARIES, FLEET_KEYS, ['a', '', '0', String(FORGET_AFTER_MS)]);
    expect(await redis.hkeys(SUMMARIES_KEY)).toEqual(['a']);
    expect(await redis.zrange(SUMMARY_SEQ_KEY, 0, -1)).toEqual(['a']);
    expect(await redis.zrange(SUMMARY_SEEN_KEY, 0, -1)).toEqual(['a']);
  });

  it('shares with one round trip per change and shows every peer with its latest summary, read every half heartbeat', async () => {
    const a = member('a', ['b', 'c']);
    const b = member('b', ['a', 'c']);
    const seen: number[] = [];
    a.store.watch(() => seen.push(Date.now()));
    const first = summary('b', 'DEGRADED');
    b.store.share(first);
    a.store.start(control('a'));
    b.store.start(control('b'));
    await eventually(() => summaryOf(a.store, 'b')?.status === 'DEGRADED', 'a to read b');
    expect(a.store.loaded).toBe(true);
    expect(a.store.peers()).toEqual([
      { node: 'b', reachable: true, leaving: false, lastSeen: 1, summary: first },
      { node: 'c', reachable: true, leaving: false, lastSeen: 1, summary: undefined },
    ]);
    expect(seen.length).toBeGreaterThan(0);
    // The library shares only on change: the round trips are the reads, one per half heartbeat, and one per share.
    const before = calls.get('b')!;
    const startedAt = Date.now();
    b.store.share(summary('b', 'UP'));
    await eventually(() => summaryOf(a.store, 'b')?.status === 'UP', 'a to read the change');
    await sleep(5 * HB);
    // At most one read per tick that could have fired, plus the one share: however many peers there are.
    const ticks = Math.floor((Date.now() - startedAt) / (HB / 2)) + 1;
    expect(calls.get('b')! - before).toBeLessThanOrEqual(ticks + 1);
    expect(calls.get('b')! - before).toBeGreaterThanOrEqual(2);
  });

  it('keeps the latest summary while Redis refuses it and writes it with the next read', async () => {
    const a = member('a', ['b']);
    const b = member('b', ['a']);
    const refusing = control('b');
    const evalsha = refusing.evalsha.bind(refusing);
    let refuse = true;
    (refusing as unknown as { evalsha: unknown }).evalsha = (...args: Parameters<typeof evalsha>) =>
      refuse ? Promise.reject(new Error('connect ECONNREFUSED')) : evalsha(...args);
    b.store.start(refusing);
    a.store.start(control('a'));
    b.store.share(summary('b', 'DOWN'));
    b.store.share(summary('b', 'DEGRADED'));
    await sleep(3 * HB);
    expect(await redis.hget(SUMMARIES_KEY, 'b')).toBeNull();
    refuse = false;
    await eventually(() => summaryOf(a.store, 'b')?.status === 'DEGRADED', 'the kept summary to arrive');
  });

  it('writes its summary again when Redis lost it, and reads everything again in the new epoch', async () => {
    const a = member('a', ['b']);
    const b = member('b', ['a']);
    a.store.start(control('a'));
    b.store.start(control('b'));
    a.store.share(summary('a', 'DEGRADED'));
    b.store.share(summary('b', 'DOWN'));
    await eventually(() => summaryOf(a.store, 'b') && summaryOf(b.store, 'a'), 'both to read each other');
    await redis.flushall();
    // Both write again, and each reads the other from the new counter's first number on.
    await eventually(async () => (await redis.hlen(SUMMARIES_KEY)) === 2, 'both summaries back');
    b.store.share(summary('b', 'UP'));
    await eventually(() => summaryOf(a.store, 'b')?.status === 'UP', 'a to read b in the new epoch');
    expect(summaryOf(b.store, 'a')?.status).toBe('DEGRADED');
  });

  it('deletes its summary at the final leave, so every reader drops it, and never writes again', async () => {
    const a = member('a', ['b']);
    const b = member('b', ['a']);
    a.store.start(control('a'));
    b.store.start(control('b'));
    b.store.share(summary('b'));
    await eventually(() => summaryOf(a.store, 'b'), 'a to read b');
    await b.store.leave();
    expect(await redis.hget(SUMMARIES_KEY, 'b')).toBeNull();
    await eventually(() => !summaryOf(a.store, 'b'), 'a to drop b');
    b.store.share(summary('b', 'DOWN'));
    await sleep(3 * HB);
    expect(await redis.hget(SUMMARIES_KEY, 'b')).toBeNull();
  });

  it('writes nothing while another process holds its node id', async () => {
    const twin = member('a', []);
    twin.m.holds = false;
    twin.store.start(control('a'));
    twin.store.share(summary('a'));
    await sleep(3 * HB);
    expect(await redis.hget(SUMMARIES_KEY, 'a')).toBeNull();
    await twin.store.leave();
    expect(await redis.exists(SUMMARY_SEQ_KEY)).toBe(0);
  });

  it('without Redis (a single node) is this node alone and never fails', () => {
    const solo = member('solo', []);
    solo.store.share(summary('solo'));
    expect([solo.store.nodeId, solo.store.peers(), solo.store.loaded]).toEqual(['solo', [], false]);
  });
});
