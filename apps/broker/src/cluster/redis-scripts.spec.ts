import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  ACQUIRE_OR_RENEW,
  HEARTBEAT,
  HEARTBEATS_KEY,
  LEADER_KEY,
  LEAVE,
  LEAVING_KEY,
  MEMBERS_VERSION_KEY,
  nodeClaimKey,
  runScript,
} from './redis-scripts.js';
import { hasRedis, startRedisServer } from './redis-server.test-kit.js';

const keys = (id: string) => [HEARTBEATS_KEY, MEMBERS_VERSION_KEY, LEADER_KEY, nodeClaimKey(id), LEAVING_KEY];
const FORGET = 600_000;
const STALE = 600;

type Reply = [number, number, string, string[], string[] | null, string, string[] | null];
const pairs = (flat: string[] | null) =>
  flat ? Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, Number(flat[i + 1])]]))) : null;

/** The Lua that CLUSTER_MEMBERSHIP=registry runs, against a real redis-server (skipped without one). */
(hasRedis ? describe : describe.skip)('registry scripts', () => {
  let stopRedis: (() => void) | undefined;
  let redis: Redis;
  const beat = async (id: string, version = '', token = `process of ${id}`, leaseMs = 3000, leaving = false) =>
    (await runScript(redis, HEARTBEAT, keys(id), [
      id,
      String(leaseMs),
      String(FORGET),
      String(STALE),
      version,
      token,
      leaving ? '1' : '0',
    ])) as Reply;
  const leavingBeat = (id: string, version = '') => beat(id, version, `process of ${id}`, 3000, true);
  const leave = (id: string, token = `process of ${id}`) => runScript(redis, LEAVE, keys(id), [id, String(FORGET), token]);

  beforeAll(async () => {
    ({ redis, stop: stopRedis } = await startRedisServer());
  });
  afterAll(() => stopRedis?.());
  beforeEach(async () => {
    await redis.flushall();
  });

  it('answers the whole set only when it changed, and the silent nodes with every beat, in Redis time', async () => {
    const [now, lead, version, stale, all] = await beat('a');
    const [seconds, micros] = await redis.time();
    expect(Math.abs(now - (Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)))).toBeLessThan(50);
    expect([lead, stale, pairs(all)]).toEqual([1, [], { a: now }]);
    expect((await beat('a', version))[4]).toBeNull();
    await redis.zadd(HEARTBEATS_KEY, now - 1000, 'quiet');
    expect((await beat('a', version))[4]).toBeNull(); // written behind the scripts' back: no new version
    const [, bLead, v2, bStale, bAll] = await beat('b', version);
    expect(v2).not.toBe(version);
    expect([bLead, pairs(bStale)]).toEqual([0, { quiet: now - 1000 }]);
    expect(Object.keys(pairs(bAll)!).sort()).toEqual(['a', 'b', 'quiet']);
    const [, , v3, , aAll] = await beat('a', version);
    expect([v3, Object.keys(pairs(aAll)!).sort()]).toEqual([v2, ['a', 'b', 'quiet']]);
  });

  it('forgets nodes, and gone nodes, silent for the forget window, and says so with a new version', async () => {
    const [now, , version] = await beat('a');
    await redis.zadd(HEARTBEATS_KEY, now - FORGET - 10, 'old', -(now - FORGET - 10), 'old-gone', -(now - 1000), 'gone');
    const [, , v2, stale, all] = await beat('a', version);
    expect(v2).not.toBe(version);
    expect(stale).toEqual([]);
    expect(Object.keys(pairs(all)!).sort()).toEqual(['a', 'gone']);
    expect(await redis.pttl(HEARTBEATS_KEY)).toBeGreaterThan(FORGET - 1000);
  });

  it('takes the lease of a leader silent for the given time at once, and of a live one never', async () => {
    const silentBeat = (id: string) =>
      runScript(redis, HEARTBEAT, keys(id), [
        id,
        '3000',
        String(FORGET),
        String(STALE),
        '',
        `process of ${id}`,
        '0',
        '1500',
      ]) as Promise<Reply>;
    const [now, lead] = await beat('a');
    expect(lead).toBe(1);
    expect((await silentBeat('b'))[1]).toBe(0); // a wrote just now
    await redis.zadd(HEARTBEATS_KEY, now - 2000, 'a');
    expect((await beat('b'))[1]).toBe(0); // without the silent time: waits for the lease to lapse
    expect((await silentBeat('b'))[1]).toBe(1);
    expect(await redis.get(LEADER_KEY)).toBe('b');
    expect((await silentBeat('c'))[1]).toBe(0); // b wrote with that beat
  });

  it('leaves: the time negated, a new version, and the lease released only by its holder', async () => {
    const [, , version] = await beat('a');
    await beat('b');
    await leave('b');
    expect(await redis.get(LEADER_KEY)).toBe('a');
    const [, , v2, , all] = await beat('a', version);
    expect(v2).not.toBe(version);
    expect(pairs(all)!.b).toBeLessThan(0);
    await leave('a');
    expect(await redis.get(LEADER_KEY)).toBeNull();
    // Back after leaving: a member again, and a new version says so.
    const [, , v3, , again] = await beat('b', v2);
    expect(v3).not.toBe(v2);
    expect(pairs(again)!.b).toBeGreaterThan(0);
  });

  it('tells every node who is leaving with a new version; a leaving node keeps its place, gives up the lease, and is no longer leaving once it left', async () => {
    const [, lead, version, , , , leavers] = await beat('a');
    expect([lead, leavers]).toEqual([1, []]);
    const [, , v1] = await beat('b', version);
    const [, leavingLead, v2, , all, , leaving] = await leavingBeat('a', v1);
    expect(v2).not.toBe(v1);
    expect([leavingLead, leaving, Object.keys(pairs(all)!).sort()]).toEqual([0, ['a'], ['a', 'b']]);
    expect(await redis.get(LEADER_KEY)).toBeNull();
    // Each leaving beat after the first says nothing new; the peer hears it once, with the whole set.
    const [, bLead, v3, , , , bLeaving] = await beat('b', v1);
    expect([bLead, v3, bLeaving]).toEqual([1, v2, ['a']]);
    expect((await leavingBeat('a', v2))[2]).toBe(v2);
    expect((await beat('b', v2))[6]).toBeNull();
    // The final leave: gone, and no longer leaving.
    await leave('a');
    const [, , v4, , gone, , after] = await beat('b', v2);
    expect([v4 !== v2, pairs(gone)!.a < 0, after]).toEqual([true, true, []]);
  });

  it('clears a leave that did not finish when the node writes again without leaving (a restart), and forgets it with the heartbeats', async () => {
    const [now, , version] = await leavingBeat('a');
    const [, , v1, , , , leaving] = await beat('a', version);
    expect([v1 !== version, leaving]).toEqual([true, []]);
    await redis.zadd(LEAVING_KEY, now - FORGET - 10, 'died-mid-leave');
    await redis.zadd(HEARTBEATS_KEY, now - FORGET - 10, 'died-mid-leave');
    const [, , v2, , , , forgotten] = await beat('a', v1);
    expect([v2 !== v1, forgotten]).toEqual([true, []]);
    expect(await redis.zcard(LEAVING_KEY)).toBe(0);
  });

  it('lets one process hold a node id: a second one with the same id writes nothing and leads not until the first leaves or lapses', async () => {
    const [now, lead, version, , , holder] = await beat('a', '', 'first', 300);
    expect([lead, holder]).toEqual([1, '']);
    const [, twinLead, twinVersion, , all, twinHolder] = await beat('a', '', 'second', 300);
    expect([twinLead, twinVersion, twinHolder, pairs(all)]).toEqual([0, version, 'first', { a: now }]);
    // Its leave is not the holder's: nothing marked gone, nothing released.
    expect(await leave('a', 'second')).toBe(0);
    expect(pairs((await beat('a', '', 'first', 300))[4])!.a).toBeGreaterThan(0);
    expect(await leave('a', 'first')).toBe(1);
    expect(await redis.get(nodeClaimKey('a'))).toBeNull();
    const [, secondLead, , , , secondHolder] = await beat('a', '', 'second', 300);
    expect([secondLead, secondHolder]).toEqual([1, '']);
    // A holder that stops without leaving (kill -9) loses the id once its lease lapses.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await beat('a', '', 'third', 300))[5]).toBe('');
  });

  it('gives up the lease when the emitter design says it is leaving, and takes none while leaving', async () => {
    const acquire = (id: string, leaving: boolean) =>
      redis.eval(ACQUIRE_OR_RENEW, 2, LEADER_KEY, nodeClaimKey(id), id, '3000', `process of ${id}`, leaving ? '1' : '0');
    expect(await acquire('a', false)).toBe(1);
    expect(await acquire('a', true)).toBe(0);
    expect(await redis.get(LEADER_KEY)).toBeNull();
    expect(await redis.get(nodeClaimKey('a'))).toBe('process of a');
    expect(await acquire('a', true)).toBe(0);
    expect(await acquire('b', false)).toBe(1);
  });

  it('loads the script again after Redis lost it (restart, SCRIPT FLUSH)', async () => {
    await beat('a');
    await redis.script('FLUSH');
    expect((await beat('a'))[1]).toBe(1);
  });
});
