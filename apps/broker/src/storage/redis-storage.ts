import type { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import MQEmitterRedis from 'mqemitter-redis';
import { emitterEcho } from './redis-emitter-echo.js';
import { RedisEmptiedWatch } from './redis-emptied.js';
import { evictionRefusal, readEvictionPolicy, type EvictionPolicy } from './redis-eviction.js';
import { credentialsRefusal, unreachableCause } from './redis-credentials.js';
import { openRedisPersistence } from './redis-persistence.js';
import { isWriteFailure, StorageState, withTimeout } from './storage-state.js';
import type { BrokerStorage } from './storage.interface.js';

/**
 * Reconnect quickly, and fail queued commands after a few attempts (about 2 s) rather than let
 * them pile up: QoS 1/2 publishes are refused during an outage anyway.
 */
export const REDIS_CONNECTION_OPTIONS: RedisOptions = { retryStrategy: (times) => Math.min(times * 100, 1000), maxRetriesPerRequest: 5 };

/**
 * The probe writes a new key of this size: under `maxmemory` Redis refuses a write once its memory, the
 * command's own bytes included, would pass the limit, so the probe fails as soon as a message of this size would.
 */
const PROBE = Buffer.alloc(16 * 1024, 0x2e);
/** After a refused write, storage is back only once this much fits again, so the room a refusal frees does not make it flap. */
const RECOVERY_PROBE = Buffer.alloc(256 * 1024, 0x2e);

/**
 * Redis persistence and emitter; waits (until `signal` aborts) for every connection to be ready.
 * `onRefused` hears why Redis refuses REDIS_URL's credentials (said once at warn, without them), and
 * `onUnreachable` why it cannot be reached (`redis unreachable: connect ECONNREFUSED …`); each hears
 * undefined once every connection is ready again.
 */
export async function openRedisStorage(
  url: string,
  nodeId: string,
  logger: Logger,
  signal: AbortSignal,
  onRefused?: (refusal: string | undefined) => void,
  onUnreachable?: (cause: string | undefined) => void,
): Promise<BrokerStorage> {
  const state = new StorageState(logger);
  let refused: string | undefined;
  /** Why Redis cannot be reached (DNS, refused, timed out), until every connection is ready; each cause is said once at warn. */
  let unreachable: string | undefined;
  const causesSaid = new Set<string>();
  /** Redis cannot be reached, and why: heard by `onUnreachable` when it changes, said at warn once per cause; false if said before. */
  const cannotReach = (cause: string): boolean => {
    if (cause !== unreachable) onUnreachable?.(cause);
    unreachable = cause;
    if (causesSaid.has(cause)) return false;
    causesSaid.add(cause);
    logger.warn(`${cause}; retrying meanwhile`);
    return true;
  };
  const connect = (role: string, extra: RedisOptions = {}) => {
    const connection = new Redis(url, { ...REDIS_CONNECTION_OPTIONS, connectionName: `${nodeId}:${role}`, ...extra });
    connection.on('error', (error) => {
      const refusal = credentialsRefusal(error);
      if (refusal === undefined) {
        const cause = unreachableCause(error);
        if (cause === undefined || !cannotReach(cause)) logger.debug(`redis ${role}: ${error.message}`);
        return;
      }
      if (refusal !== refused) logger.warn(refusal);
      refused = refusal;
      onRefused?.(refusal);
    });
    connection.on('ready', () => {
      if (Object.values(connections).every((c) => c.status === 'ready')) {
        if (unreachable !== undefined) onUnreachable?.(undefined);
        unreachable = undefined;
        causesSaid.clear();
      }
      if (refused === undefined || Object.values(connections).some((c) => c.status !== 'ready')) return;
      refused = undefined;
      onRefused?.(undefined);
    });
    return connection;
  };
  const connections = {
    persistence: connect('persistence'),
    'emitter-pub': connect('emitter-pub'),
    'emitter-sub': connect('emitter-sub'),
    control: connect('control', { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => 500 }),
  };
  // A Redis that accepts the connection and never replies (stopped, overloaded) raises no error: name it after a while.
  const connectedAt = Date.now();
  const silence = setInterval(() => {
    if (unreachable !== undefined || refused !== undefined || Date.now() - connectedAt < SILENT_REDIS_MS) return;
    const silent = Object.values(connections).find((c) => c.status === 'connect');
    if (!silent) return;
    const { path, host, port } = silent.options;
    cannotReach(`redis does not answer: connected to ${path ?? `${host}:${port}`}, no reply within ${SILENT_REDIS_MS / 1000} s`);
  }, 250);
  // A subscription sent before both emitter connections are ready leaves the node deaf for good.
  try {
    await whenReady(connections, logger, signal, () => refused ?? unreachable);
  } catch (error) {
    for (const connection of Object.values(connections)) connection.disconnect();
    throw error;
  } finally {
    clearInterval(silence);
  }

  let closing = false;
  const mq = MQEmitterRedis({ subConn: connections['emitter-sub'], pubConn: connections['emitter-pub'] });
  // Aedes closes the emitter (and its two connections) before storage closes: a shutdown, not an outage.
  const emitter = mq as unknown as { closing?: boolean; closed?: boolean };
  const emitterClosing = () => emitter.closing === true || emitter.closed === true;
  for (const [role, connection] of Object.entries(connections)) {
    const expected = role.startsWith('emitter-') ? () => closing || emitterClosing() : () => closing;
    connection.on('close', () => expected() || state.unavailable(`redis ${role} connection lost`));
  }
  // Without a listener, an emitter error during an outage would kill the process.
  (mq as unknown as { state: NodeJS.EventEmitter }).state.on('error', (error: Error) => logger.debug(`redis emitter: ${error.message}`));
  const echo = await emitterEcho(mq, nodeId);
  const persistence = openRedisPersistence(connections.persistence, state, () => state.available || closing);
  const control = connections.control;
  const probeKey = `aedes-health:storage-probe:${nodeId}`;
  let probes = 0;
  let eviction: EvictionPolicy | undefined;
  /** The last policy read that evicts: keys found missing were evicted under it, even if the policy changed since. */
  let lastEvicting: EvictionPolicy | undefined;
  let evictionUnread = false;
  /** Reads the eviction policy (every ping: it can change at run time); the reason storage is DOWN when it evicts. */
  const evicting = async () => {
    eviction = await readEvictionPolicy(control);
    if (!eviction && !evictionUnread)
      logger.warn('redis answers neither CONFIG GET nor INFO memory with its maxmemory-policy: keys it may evict are not watched');
    evictionUnread = !eviction;
    const refusal = evictionRefusal(eviction);
    if (refusal) lastEvicting = eviction;
    return refusal;
  };
  const emptied = new RedisEmptiedWatch(persistence, control, mq, nodeId, logger, () => lastEvicting ?? eviction);
  await emptied.start();

  return {
    type: 'redis',
    persistence,
    mq,
    control,
    get available() {
      return state.available;
    },
    get warning() {
      return emptied.warning;
    },
    onUnavailable: (listener) => state.onUnavailable(listener),
    reportError: (source, error) => state.reportError(source, error),
    async ping() {
      try {
        for (const [role, connection] of Object.entries(connections)) {
          if (connection.status !== 'ready') throw new Error(refused ?? unreachable ?? `redis ${role} connection is ${connection.status}`);
        }
        // A write, not a PING: Redis out of memory (OOM) or after a failed snapshot (MISCONF) still answers PING.
        // A fresh key each time, sized like a message, removed at once (and expiring should the removal fail).
        const key = `${probeKey}:${++probes}`;
        await control.set(key, state.failedWrite ? RECOVERY_PROBE : PROBE, 'PX', 10_000);
        await control.del(key);
        // A connection can be ready before its subscriptions are restored: prove the emitter round trip.
        await echo();
        const refusal = await evicting();
        await emptied.check();
        if (refusal) throw new EvictingStore(refusal);
        state.answers();
      } catch (error) {
        if (error instanceof EvictingStore) state.unavailable(error.message);
        else if (isWriteFailure(error)) state.writeFailed(error as Error);
        else state.unavailable(`redis does not answer (${(error as Error).message})`);
        throw error;
      }
    },
    async close() {
      closing = true;
      await withTimeout(persistence.destroy(), 2000).catch(() => undefined);
      for (const connection of Object.values(connections)) connection.disconnect();
    },
  };
}

/** How long a connected Redis may stay silent while the node starts before that is the cause it waits for. */
const SILENT_REDIS_MS = 2000;

/** Redis may evict what the broker stored: storage is DOWN (QoS 1/2 refused) until its policy keeps every key. */
class EvictingStore extends Error {}

/**
 * Resolves once every connection is ready; every 5 s one line says which still wait, and why (`cause`:
 * ECONNREFUSED, WRONGPASS …): `waiting for redis (persistence, control connections are reconnecting: …)`.
 */
function whenReady(
  connections: Record<string, Redis>,
  logger: Logger,
  signal: AbortSignal,
  cause: () => string | undefined,
): Promise<void> {
  const waiting = () => Object.entries(connections).filter(([, connection]) => connection.status !== 'ready');
  if (waiting().length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const remind = () => {
      const pending = waiting();
      const roles = pending.map(([role]) => role);
      const status = pending[0]?.[1].status ?? 'ready';
      logger.warn(
        `waiting for redis (${roles.join(', ')} connection${roles.length > 1 ? 's are' : ' is'} ${status}: ${cause() ?? 'no error reported yet'})`,
      );
    };
    const warn = setInterval(remind, 5000);
    const done = () => {
      clearInterval(warn);
      signal.removeEventListener('abort', onAbort);
      for (const connection of Object.values(connections)) connection.off('ready', onReady);
    };
    const onAbort = () => {
      done();
      reject(signal.reason);
    };
    const onReady = () => {
      if (waiting().length > 0) return;
      done();
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    for (const connection of Object.values(connections)) connection.on('ready', onReady);
  });
}
