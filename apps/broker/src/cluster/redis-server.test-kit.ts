import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** Whether redis-server is installed: the specs running Lua against it are skipped without one (CI installs it). */
export const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;

/** A throwaway redis-server on a free port of 127.0.0.1, without persistence, with a connection to it. */
export async function startRedisServer(): Promise<{ redis: Redis; stop(): void }> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const redis = new Redis(port, '127.0.0.1', { retryStrategy: () => 50 });
  await redis.ping();
  return {
    redis,
    stop: () => {
      redis.disconnect();
      server.kill('SIGKILL');
    },
  };
}
