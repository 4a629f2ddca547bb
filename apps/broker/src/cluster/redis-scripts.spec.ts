import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { HEARTBEAT, HEARTBEATS_KEY, LEADER_KEY, LEAVE, MEMBERS_VERSION_KEY, runScript } from './redis-scripts.js';

const KEYS = [HEARTBEATS_KEY, MEMBERS_VERSION_KEY, LEADER_KEY];
const FORGET = 600_000;
const STALE = 600;
const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;

type Reply = [number, number, string, string[], string[] | null];
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
  const beat = async (id: string, version = '') =>
    (await runScript(redis, HEARTBEAT, KEYS, [id, '3000', String(FORGET), String(STALE), version])) as Reply;

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
    await runScript(redis, LEAVE, KEYS, ['b', String(FORGET)]);
    expect(await redis.get(LEADER_KEY)).toBe('a');
    const [, , v2, , all] = await beat('a', version);
    expect(v2).not.toBe(version);
    expect(pairs(all)!.b).toBeLessThan(0);
    await runScript(redis, LEAVE, KEYS, ['a', String(FORGET)]);
    expect(await redis.get(LEADER_KEY)).toBeNull();
    // Back after leaving: a member again, and a new version says so.
    const [, , v3, , again] = await beat('b', v2);
    expect(v3).not.toBe(v2);
    expect(pairs(again)!.b).toBeGreaterThan(0);
  });

  it('loads the script again after Redis lost it (restart, SCRIPT FLUSH)', async () => {
    await beat('a');
    await redis.script('FLUSH');
    expect((await beat('a'))[1]).toBe(1);
  });
});
