import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ChildHandle, freePort, hasBinary, RedisServer } from '../support/processes.js';

/** Runs aedes-persistence's abstract suite (node:test) against one store; resolves with its summary counts. */
async function abstractSuite(env: Record<string, string>): Promise<{ code: number | null; tests: number; pass: number; log: string }> {
  const run = new ChildHandle(
    spawn(process.execPath, ['--test', 'test/broker/abstract-persistence.mjs'], { env: { PATH: process.env.PATH, ...env }, stdio: 'pipe' }),
  );
  const code = await run.exited;
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(run.log)?.[1] ?? -1);
  return { code, tests: count('tests'), pass: count('pass'), log: run.log };
}

const failures = (log: string) => log.split('\n').filter((line) => line.startsWith('not ok'));

describe('the abstract suite of aedes-persistence, against the stores the broker opens (released in arrival order)', () => {
  let redis: RedisServer | undefined;
  afterAll(() => redis?.kill());

  it('LevelDB (the embedded default) passes every test', async () => {
    const result = await abstractSuite({ STORE: 'level' });
    expect(failures(result.log)).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.tests).toBeGreaterThanOrEqual(50);
    expect(result.pass).toBe(result.tests);
  }, 60_000);

  (hasBinary('redis-server') ? it : it.skip)(
    'Redis passes every test',
    async () => {
      redis = new RedisServer(await freePort());
      await redis.start();
      const result = await abstractSuite({ STORE: 'redis', REDIS_URL: redis.url });
      expect(failures(result.log)).toEqual([]);
      expect(result.code).toBe(0);
      expect(result.tests).toBeGreaterThanOrEqual(50);
      expect(result.pass).toBe(result.tests);
    },
    60_000,
  );
});
