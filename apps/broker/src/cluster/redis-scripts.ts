import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The leader lease: the leader's node id, with a TTL of three heartbeats. */
export const LEADER_KEY = 'aedes-health:leader';
/**
 * CLUSTER_MEMBERSHIP=registry: a sorted set of node id -> when it last wrote (Redis's clock, ms), the
 * time negated once it left cleanly; and the time (µs) its list of nodes last changed.
 */
export const HEARTBEATS_KEY = 'aedes-health:heartbeats';
export const MEMBERS_VERSION_KEY = 'aedes-health:members-version';

// Renew the lease if we hold it, else take it if nobody does. 1 = we lead.
export const ACQUIRE_OR_RENEW = `
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;
export const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

const NOW = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local changedAt = t[1] .. string.format('%06d', tonumber(t[2]))`;

/**
 * One heartbeat of CLUSTER_MEMBERSHIP=registry, in one round trip and O(log N) work: writes this node's
 * time (Redis's clock, so the nodes' clocks need not agree), forgets nodes silent for the forget window,
 * renews or takes the lease, and returns { now, 1 if this node leads, members version, [id, ms, ...] of
 * the nodes silent for at least `stale ms`, and the whole set [id, ms, ...] only if the version differs
 * from the caller's }. KEYS: heartbeats, members version, leader. ARGV: node id, lease ms, forget ms,
 * stale ms, the caller's members version.
 */
export const HEARTBEAT = `${NOW}
local old = redis.call('zscore', KEYS[1], ARGV[1])
redis.call('zadd', KEYS[1], string.format('%.0f', now), ARGV[1])
local forget = now - tonumber(ARGV[3])
local gone = redis.call('zremrangebyscore', KEYS[1], 0, '(' .. string.format('%.0f', forget))
  + redis.call('zremrangebyscore', KEYS[1], '(' .. string.format('%.0f', -forget), '(0')
if not old or tonumber(old) < 0 or gone > 0 or redis.call('exists', KEYS[2]) == 0 then
  redis.call('set', KEYS[2], changedAt)
end
redis.call('pexpire', KEYS[1], ARGV[3])
redis.call('pexpire', KEYS[2], ARGV[3])
local lead = 0
if redis.call('get', KEYS[3]) == ARGV[1] then redis.call('pexpire', KEYS[3], ARGV[2]) lead = 1
elseif redis.call('set', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2]) then lead = 1 end
local version = redis.call('get', KEYS[2])
local stale = redis.call('zrangebyscore', KEYS[1], 0, string.format('%.0f', now - tonumber(ARGV[4])), 'WITHSCORES')
local all = false
if version ~= ARGV[5] then all = redis.call('zrange', KEYS[1], 0, -1, 'WITHSCORES') end
return {now, lead, version, stale, all}`;

/**
 * A clean leave of CLUSTER_MEMBERSHIP=registry: marks this node gone (its time negated, so peers drop
 * it at once, while a node merely missing, after Redis restarted empty say, only ages), changes the
 * members version and releases the lease if held. KEYS: heartbeats, members version, leader. ARGV: node id,
 * forget ms.
 */
export const LEAVE = `${NOW}
redis.call('zadd', KEYS[1], string.format('%.0f', -now), ARGV[1])
redis.call('pexpire', KEYS[1], ARGV[2])
redis.call('set', KEYS[2], changedAt, 'PX', ARGV[2])
if redis.call('get', KEYS[3]) == ARGV[1] then redis.call('del', KEYS[3]) end
return 1`;

const sha1 = new Map<string, string>();

/**
 * EVALSHA, or EVAL when Redis does not have the script yet (its first use, or after Redis restarted):
 * the script's text crosses the network once, not with every heartbeat.
 */
export async function runScript(control: Redis, script: string, keys: string[], args: string[]): Promise<unknown> {
  let sha = sha1.get(script);
  if (sha === undefined) sha1.set(script, (sha = createHash('sha1').update(script).digest('hex')));
  try {
    return await control.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error as Error).message?.startsWith('NOSCRIPT')) throw error;
    return control.eval(script, keys.length, ...keys, ...args);
  }
}
