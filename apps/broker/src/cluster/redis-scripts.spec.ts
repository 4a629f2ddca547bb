import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { HEARTBEAT, HEARTBEATS_KEY, LEADER_KEY, LEAVE, MEMBERS_VERSION_KEY, nodeClaimKey, runScript } from './redis-scripts.js';

const keys = (id: string) => [HEARTBEATS_KEY, MEMBERS_VERSION_KEY, LEADER_KEY, nodeClaimKey(id)];
const FORGET = 600_000;
const STALE = 600;
const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;

type Reply = [number, number, string, string[], string[] | null, string];
const pairs = (flat: string[] | null) =>
  flat ? Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, Number(flat[i + 1])]]))) : null;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The Lua that CLUSTER_MEMBERSHIP=registry runs, against a real redis-server (skipped without one). */
(hasRedis ? describe : describe.skip)('registry scripts', () => {
  let server: ChildProcess;
  let redis: Redis;
  const beat = async (id: string, version = '', token = `process of ${id}`, leaseMs = 3000) =>
    (await runScript(redis, HEARTBEAT, keys(id), [id, String(leaseMs), String(FORGET), String(STALE), version, token])) as Reply;
  const leave = (id: string, token = `process of ${id}`) => runScript(redis, LEAVE, keys(id), [id, String(FORGET), token]);

  beforeAll(async () => {
    const port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    redis = new Redis(port, '127.0.0.1', { retryStrategy: () => 50 });
    await redis.ping();
  });
  afterAll(() => {
    redis?.disconnect();
    server?.kill('SIGKILL');
  });
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

  it('loads the script again after Redis lost it (restart, SCRIPT FLUSH)', async () => {
    await beat('a');
    await redis.script('FLUSH');
    expect((await beat('a'))[1]).toBe(1);
  });
});
