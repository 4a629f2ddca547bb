import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The leader lease: the leader's node id, with a TTL of three heartbeats. */
export const LEADER_KEY = 'aedes-health:leader';
/**
 * Who holds a node id: the instance token of the one live process that may use it (see
 * `instanceToken`), with a TTL of three heartbeats renewed with each. A second process started with
 * the same NODE_ID waits until it lapses: after a crash, or at once after a clean leave.
 */
export const nodeClaimKey = (nodeId: string): string => `aedes-health:node:${nodeId}`;
/**
 * CLUSTER_MEMBERSHIP=registry: a sorted set of node id -> when it last wrote (Redis's clock, ms), the
 * time negated once it left cleanly; and the time (µs) its list of nodes last changed.
 */
export const HEARTBEATS_KEY = 'aedes-health:heartbeats';
export const MEMBERS_VERSION_KEY = 'aedes-health:members-version';
/**
 * CLUSTER_MEMBERSHIP=registry: the nodes that announced they are leaving (their drain has begun), node id
 * -> when it last said so (Redis's clock, ms). A node's own heartbeat adds or removes it; its leave
 * removes it; one that died mid-leave is forgotten with the heartbeats.
 */
export const LEAVING_KEY = 'aedes-health:leaving';

/**
 * Renews this process's claim on its node id (KEYS[claim], ARGV[token], for ARGV[lease] ms) or takes it
 * if nobody holds it; `holder` is '' when this process holds it, else the token of the one that does.
 */
const claim = (key: string, token: string, lease: string) => `
local holder = redis.call('get', ${key})
if holder == ${token} then redis.call('pexpire', ${key}, ${lease}) holder = ''
elseif not holder then redis.call('set', ${key}, ${token}, 'PX', ${lease}) holder = '' end`;
/**
 * CLUSTER_MEMBERSHIP=emitter, once per heartbeat: claims the node id, then renews the leader lease if
 * held, else takes it if nobody holds it; a leaving node gives the lease up instead. 1 = we lead, 0 =
 * we do not, a string = the token of the live process holding our node id (we neither lead nor may
 * join). KEYS: leader, node claim. ARGV: node id, lease ms, instance token, '1' while leaving.
 */
export const ACQUIRE_OR_RENEW = `${claim('KEYS[2]', 'ARGV[3]', 'ARGV[2]')}
if holder ~= '' then return holder end
if ARGV[4] == '1' then
  if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
  return 0
end
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;
/** Gives up the node id and the leader lease, if this process holds them. KEYS: leader, node claim. ARGV: node id, instance token. */
export const RELEASE = `
local holder = redis.call('get', KEYS[2])
if holder and holder ~= ARGV[2] then return 0 end
redis.call('del', KEYS[2])
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
return 1`;

const NOW = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local changedAt = t[1] .. string.format('%06d', tonumber(t[2]))`;

/**
 * One heartbeat of CLUSTER_MEMBERSHIP=registry, in one round trip and O(log N) work: claims the node id
 * for this process; if it holds it, writes this node's time (Redis's clock, so the nodes' clocks need not
 * agree), writes whether it is leaving, and renews or takes the lease (a leaving node gives it up);
 * forgets nodes silent for the forget window; and returns { now, 1 if this node leads, members version,
 * [id, ms, ...] of the nodes silent for at least `stale ms`, the whole set [id, ms, ...] only if the
 * version differs from the caller's, '' if this process holds its node id, else the token of the live
 * process that does, and with the whole set the ids of the nodes leaving }. A process whose node id is
 * held elsewhere writes nothing of its own. The lease of a leader that has not written for `silent ms`
 * (unreachable, as every peer reads it; left; forgotten) is taken at once by the first node to beat, not
 * after its three heartbeats. KEYS: heartbeats, members version, leader, node claim, leaving. ARGV: node
 * id, lease ms, forget ms, stale ms, the caller's members version, instance token, '1' while this node is
 * leaving, silent ms (optional; 0 or absent waits for the lease to lapse).
 */
export const HEARTBEAT = `${NOW}
${claim('KEYS[4]', 'ARGV[6]', 'ARGV[2]')}
local mine = holder == ''
local leaving = ARGV[7] == '1'
local old = false
local said = 0
if mine then
  old = redis.call('zscore', KEYS[1], ARGV[1])
  redis.call('zadd', KEYS[1], string.format('%.0f', now), ARGV[1])
  if leaving then said = redis.call('zadd', KEYS[5], string.format('%.0f', now), ARGV[1])
  else said = redis.call('zrem', KEYS[5], ARGV[1]) end
end
local forget = now - tonumber(ARGV[3])
local gone = redis.call('zremrangebyscore', KEYS[1], 0, '(' .. string.format('%.0f', forget))
  + redis.call('zremrangebyscore', KEYS[1], '(' .. string.format('%.0f', -forget), '(0')
  + redis.call('zremrangebyscore', KEYS[5], 0, '(' .. string.format('%.0f', forget))
if (mine and (not old or tonumber(old) < 0)) or said > 0 or gone > 0 or redis.call('exists', KEYS[2]) == 0 then
  redis.call('set', KEYS[2], changedAt)
end
redis.call('pexpire', KEYS[1], ARGV[3])
redis.call('pexpire', KEYS[2], ARGV[3])
redis.call('pexpire', KEYS[5], ARGV[3])
local lead = 0
local silentFor = tonumber(ARGV[8] or '0')
if mine and leaving then
  if redis.call('get', KEYS[3]) == ARGV[1] then redis.call('del', KEYS[3]) end
elseif mine then
  local leader = redis.call('get', KEYS[3])
  if leader == ARGV[1] then redis.call('pexpire', KEYS[3], ARGV[2]) lead = 1
  elseif not leader then
    if redis.call('set', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2]) then lead = 1 end
  elseif silentFor > 0 and tonumber(redis.call('zscore', KEYS[1], leader) or '-1') < now - silentFor then
    redis.call('set', KEYS[3], ARGV[1], 'PX', ARGV[2])
    lead = 1
  end
end
local version = redis.call('get', KEYS[2])
local stale = redis.call('zrangebyscore', KEYS[1], 0, string.format('%.0f', now - tonumber(ARGV[4])), 'WITHSCORES')
local all = false
local leavers = false
if version ~= ARGV[5] then
  all = redis.call('zrange', KEYS[1], 0, -1, 'WITHSCORES')
  leavers = redis.call('zrange', KEYS[5], 0, -1)
end
return {now, lead, version, stale, all, holder, leavers}`;

/**
 * A clean leave of CLUSTER_MEMBERSHIP=registry: marks this node gone (its time negated, so peers drop
 * it at once, while a node merely missing, after Redis restarted empty say, only ages) and no longer
 * leaving, changes the members version, releases the lease if held and gives up the node id, so a
 * replacement joins at once. Does nothing when another live process holds the node id: that one is not
 * leaving. KEYS: heartbeats, members version, leader, node claim, leaving. ARGV: node id, forget ms,
 * instance token.
 */
export const LEAVE = `${NOW}
local holder = redis.call('get', KEYS[4])
if holder and holder ~= ARGV[3] then return 0 end
redis.call('del', KEYS[4])
redis.call('zadd', KEYS[1], string.format('%.0f', -now), ARGV[1])
redis.call('zrem', KEYS[5], ARGV[1])
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
