import type { Redis } from 'ioredis';

/** What Redis does when it reaches `maxmemory`, as read from it. */
export interface EvictionPolicy {
  policy: string;
  /** Bytes; 0 is no limit (Redis then never evicts). */
  maxmemory: number;
  /** Where it was read from: CONFIG GET, or INFO memory where CONFIG is disabled or renamed (managed Redis). */
  source: 'CONFIG GET' | 'INFO memory';
}

/**
 * Reads Redis' eviction policy: CONFIG GET, or, where that is disabled, renamed or not permitted (managed Redis),
 * the `maxmemory` and `maxmemory_policy` fields of INFO memory. Undefined when neither answers with them.
 */
export async function readEvictionPolicy(redis: Redis): Promise<EvictionPolicy | undefined> {
  try {
    const pairs = (await redis.call('CONFIG', 'GET', 'maxmemory*')) as string[];
    const config = new Map<string, string>();
    for (let at = 0; at + 1 < pairs.length; at += 2) config.set(pairs[at], pairs[at + 1]);
    const policy = config.get('maxmemory-policy');
    const maxmemory = Number(config.get('maxmemory'));
    if (policy && Number.isFinite(maxmemory)) return { policy, maxmemory, source: 'CONFIG GET' };
  } catch {
    // CONFIG refused or unknown: INFO says the same.
  }
  const info = await redis.info('memory').catch(() => '');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  const maxmemory = Number(/^maxmemory:(\d+)/m.exec(info)?.[1]);
  return policy && Number.isFinite(maxmemory) ? { policy, maxmemory, source: 'INFO memory' } : undefined;
}

/**
 * Why a Redis with `read` cannot keep what the broker acknowledges, or undefined when it can.
 *
 * Only an `allkeys-*` policy under a `maxmemory` limit evicts the broker's keys: the queued messages of offline
 * sessions, retained messages, subscriptions, which carry no expiry (a `volatile-*` policy evicts only keys
 * that have one, so Redis then refuses writes, which the write probe sees, as with `noeviction`).
 */
export function evictionRefusal(read: EvictionPolicy | undefined): string | undefined {
  if (!read || read.maxmemory <= 0 || !read.policy.startsWith('allkeys-')) return undefined;
  return (
    `redis evicts stored keys (maxmemory-policy ${read.policy} with maxmemory ${read.maxmemory}): ` +
    'acknowledged messages queued for offline sessions, retained messages and subscriptions can vanish without an error; ' +
    'set maxmemory-policy noeviction (or maxmemory 0)'
  );
}
