/**
 * The fleet's summaries in Redis: one hash of node id -> its summary (JSON), a sorted set of node id ->
 * the sequence number of its last change, the sequence counter with its epoch (a new epoch once Redis
 * lost the counter, restarted empty say), and a sorted set of node id -> when it last read (Redis's
 * clock, ms), so the summary of a member that never comes back is swept after the forget window.
 */
export const SUMMARIES_KEY = 'aedes-health:summaries';
export const SUMMARY_SEQ_KEY = 'aedes-health:summaries-seq';
export const SUMMARY_COUNTER_KEY = 'aedes-health:summaries-counter';
export const SUMMARY_SEEN_KEY = 'aedes-health:summaries-seen';

/** The keys every fleet script takes, in this order. */
export const FLEET_KEYS = [SUMMARIES_KEY, SUMMARY_SEQ_KEY, SUMMARY_COUNTER_KEY, SUMMARY_SEEN_KEY];

/** At most this many forgotten members are swept per read, so one read stays cheap after a mass failure. */
export const SWEEP_PER_READ = 64;
/** At most this many summaries are returned per read; the rest come with the next ones. */
export const SUMMARIES_PER_READ = 256;

const NOW = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** The next sequence number; a counter created anew gets a new epoch, so readers know to read everything again. */
const NEXT_SEQ = `
local seq = redis.call('hincrby', KEYS[3], 'seq', 1)
redis.call('hsetnx', KEYS[3], 'epoch', t[1] .. string.format('%06d', tonumber(t[2])))`;

const EXPIRE = `
for i = 1, 4 do redis.call('pexpire', KEYS[i], ARGV[#ARGV]) end`;

/**
 * This node's summary changed: stores it, numbers the change and marks the node seen, in one round trip.
 * Returns the change's sequence number. KEYS: FLEET_KEYS. ARGV: node id, summary JSON, forget ms.
 */
export const SHARE_SUMMARY = `${NOW}
${NEXT_SEQ}
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[2], seq, ARGV[1])
redis.call('zadd', KEYS[4], string.format('%.0f', now), ARGV[1])
${EXPIRE}
return seq`;

/**
 * One read of the fleet, O(log N + changes): sweeps the summaries of members silent for the forget
 * window, marks this node seen (if its summary is there), mends the counter (a lost epoch is made anew,
 * a counter below a change number is raised to it, so no change is returned twice), and returns { epoch,
 * counter, 1 if this node's summary is there, [id, seq, ...] of at most SUMMARIES_PER_READ summaries
 * changed since the caller's sequence number (all of them when the epoch differs or the counter went
 * backwards; counter is then the last one returned), their summaries in the same order (nil for one
 * deleted: a member that left), the change number of this node's summary ('' if none) }. KEYS: FLEET_KEYS. ARGV: node id, the caller's epoch, the caller's
 * sequence number, forget ms.
 */
export const READ_SUMMARIES = `${NOW}
local forgotten = redis.call('zrangebyscore', KEYS[4], 0, '(' .. string.format('%.0f', now - tonumber(ARGV[4])), 'LIMIT', 0, ${SWEEP_PER_READ})
for _, id in ipairs(forgotten) do
  redis.call('hdel', KEYS[1], id)
  redis.call('zrem', KEYS[2], id)
  redis.call('zrem', KEYS[4], id)
end
local mine = redis.call('hexists', KEYS[1], ARGV[1])
if mine == 1 then redis.call('zadd', KEYS[4], string.format('%.0f', now), ARGV[1]) end
local meta = redis.call('hmget', KEYS[3], 'epoch', 'seq')
local epoch = meta[1]
local counter = tonumber(meta[2] or '0')
if not epoch then
  epoch = t[1] .. string.format('%06d', tonumber(t[2]))
  redis.call('hset', KEYS[3], 'epoch', epoch)
end
local top = redis.call('zrevrange', KEYS[2], 0, 0, 'WITHSCORES')
local highest = tonumber(top[2] or '0')
if highest > counter then
  counter = highest
  redis.call('hset', KEYS[3], 'seq', string.format('%.0f', counter))
end
local from = tonumber(ARGV[3])
if epoch ~= ARGV[2] or counter < from then from = 0 end
local changed = redis.call('zrangebyscore', KEYS[2], '(' .. string.format('%.0f', from), '+inf', 'WITHSCORES', 'LIMIT', 0, ${SUMMARIES_PER_READ})
if #changed == 2 * ${SUMMARIES_PER_READ} then counter = tonumber(changed[#changed]) end
local summaries = {}
for i = 1, #changed, 2 do summaries[#summaries + 1] = redis.call('hget', KEYS[1], changed[i]) end
${EXPIRE}
return {epoch, counter, mine, changed, summaries, redis.call('zscore', KEYS[2], ARGV[1]) or ''}`;

/**
 * The final leave: deletes this node's summary and numbers the deletion, so every reader drops it with
 * its next read; the number is swept with the forgotten after the forget window. KEYS: FLEET_KEYS.
 * ARGV: node id, forget ms.
 */
export const DROP_SUMMARY = `${NOW}
if redis.call('hdel', KEYS[1], ARGV[1]) == 0 then return 0 end
${NEXT_SEQ}
redis.call('zadd', KEYS[2], seq, ARGV[1])
redis.call('zadd', KEYS[4], string.format('%.0f', now), ARGV[1])
${EXPIRE}
return seq`;

/** What READ_SUMMARIES answers. */
export type SummariesReply = [
  epoch: string,
  counter: number,
  mine: number,
  changed: string[],
  summaries: (string | null)[],
  ownSeq: string,
];
