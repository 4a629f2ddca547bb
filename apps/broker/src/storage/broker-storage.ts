import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { Logger } from '@nestjs/common';
import aedesPersistenceLevel from 'aedes-persistence-level';
import aedesPersistenceRedis from 'aedes-persistence-redis';
import type { AedesPersistence } from 'aedes-persistence-types';
import { ClassicLevel } from 'classic-level';
import { Redis, type RedisOptions } from 'ioredis';
import MQEmitterRedis from 'mqemitter-redis';
import type { StorageProbe } from 'nestjs-mqtt-health';
import type { BrokerConfig } from '../config/index.js';

/** The broker's persistence (and, with Redis, its shared emitter), plus a fast "can we store now?" gate. */
export interface BrokerStorage extends StorageProbe {
  readonly persistence: AedesPersistence;
  /** The cluster-wide emitter; undefined with embedded storage (Aedes then uses an in-process one). */
  readonly mq?: MQEmitterRedis.MQEmitterRedis;
  /** A fail-fast Redis connection for pings and the leader lease; never queues a command. */
  readonly control?: Redis;
  /**
   * False from the moment a storage connection drops until a ping succeeds again. QoS 1/2 publishes
   * are refused while it is false, because Aedes acknowledges them before storing them.
   */
  readonly available: boolean;
  /** Calls `listener` each time storage becomes unavailable; returns the unsubscribe function. */
  onUnavailable(listener: () => void): () => void;
  close(): Promise<void>;
}

/**
 * Reconnect quickly, and fail queued commands after a few attempts (about 2 s) rather than let
 * them pile up: QoS 1/2 publishes are refused during an outage anyway.
 */
export const REDIS_CONNECTION_OPTIONS: RedisOptions = { retryStrategy: (times) => Math.min(times * 100, 1000), maxRetriesPerRequest: 5 };

/** Opens the configured storage; with Redis, waits (until `signal` aborts) for every connection to be ready. */
export function openStorage(config: BrokerConfig, logger: Logger, signal: AbortSignal): Promise<BrokerStorage> {
  return config.redisUrl ? openRedisStorage(config.redisUrl, config.nodeId, logger, signal) : openLevelStorage(config.dataDir);
}

async function openLevelStorage(dataDir: string): Promise<BrokerStorage> {
  await mkdir(dataDir, { recursive: true });
  const db = new ClassicLevel(join(dataDir, 'aedes'));
  await db.open();
  const persistence = aedesPersistenceLevel(db);
  return {
    type: 'level',
    persistence,
    get available() {
      return db.status === 'open';
    },
    onUnavailable: () => () => undefined,
    async ping() {
      if (db.status !== 'open') throw new Error(`level database is ${db.status}`);
      await db.get('$health/ping');
    },
    close: () => persistence.destroy(),
  };
}

async function openRedisStorage(url: string, nodeId: string, logger: Logger, signal: AbortSignal): Promise<BrokerStorage> {
  const base: RedisOptions = REDIS_CONNECTION_OPTIONS;
  const connect = (role: string, extra: RedisOptions = {}) => {
    const connection = new Redis(url, { ...base, connectionName: `${nodeId}:${role}`, ...extra });
    connection.on('error', (error) => logger.debug(`redis ${role}: ${error.message}`));
    return connection;
  };
  const connections = {
    persistence: connect('persistence'),
    'emitter-pub': connect('emitter-pub'),
    'emitter-sub': connect('emitter-sub'),
    control: connect('control', { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => 500 }),
  };
  // A subscription sent before both emitter connections are ready leaves the node deaf for good.
  try {
    await Promise.all(Object.entries(connections).map(([role, c]) => whenReady(c, role, logger, signal)));
  } catch (error) {
    for (const connection of Object.values(connections)) connection.disconnect();
    throw error;
  }

  let available = true;
  // One entry per QoS 1 publish in flight: a Set, not emitter listeners (no per-message splice, no max-listeners warning).
  const waiting = new Set<() => void>();
  for (const [role, connection] of Object.entries(connections)) {
    connection.on('close', () => {
      if (available) logger.warn(`redis ${role} connection lost: refusing QoS 1/2 publishes until storage answers again`);
      available = false;
      for (const listener of [...waiting]) listener();
    });
  }
  const mq = MQEmitterRedis({ subConn: connections['emitter-sub'], pubConn: connections['emitter-pub'] });
  // Without a listener, an emitter error during an outage would kill the process.
  (mq as unknown as { state: NodeJS.EventEmitter }).state.on('error', (error: Error) => logger.debug(`redis emitter: ${error.message}`));
  const echo = await emitterEcho(mq, nodeId);
  const persistence = aedesPersistenceRedis({ conn: connections.persistence });
  const control = connections.control;
  let closing = false;
  deliverThroughOutages(persistence, () => available || closing);

  return {
    type: 'redis',
    persistence,
    mq,
    control,
    get available() {
      return available;
    },
    onUnavailable(listener) {
      waiting.add(listener);
      return () => waiting.delete(listener);
    },
    async ping() {
      try {
        for (const [role, connection] of Object.entries(connections)) {
          if (connection.status !== 'ready') throw new Error(`redis ${role} connection is ${connection.status}`);
        }
        await control.ping();
        // A connection can be ready before its subscriptions are restored: prove the emitter round trip.
        await echo();
        if (!available) logger.log('redis answers again: accepting QoS 1/2 publishes');
        available = true;
      } catch (error) {
        available = false;
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

/**
 * A QoS 1/2 delivery to a persistent session first records its message id, and the subscriber's
 * PUBACK clears it; if either fails, Aedes drops the delivery or the subscriber. A message already
 * acknowledged to its publisher would then live only in Redis, and a Redis that restarts empty
 * loses it. So these two wait through an outage (up to a minute) instead of failing.
 */
function deliverThroughOutages(persistence: AedesPersistence, storageAnswers: () => boolean): void {
  for (const method of ['outgoingUpdate', 'outgoingClearMessageId'] as const) {
    const call = persistence[method].bind(persistence) as (client: unknown, packet: unknown) => Promise<never>;
    persistence[method] = async (client: unknown, packet: unknown) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          return await call(client, packet);
        } catch (error) {
          if (Date.now() > deadline) throw error;
          do await sleep(100);
          while (!storageAnswers() && Date.now() < deadline);
        }
      }
    };
  }
}

/** Returns a probe that publishes through the emitter and resolves when this node hears it back. */
async function emitterEcho(mq: MQEmitterRedis.MQEmitterRedis, nodeId: string): Promise<() => Promise<void>> {
  const topic = `$SYS/${nodeId}/storage-probe`;
  const waiting = new Map<string, () => void>();
  await new Promise<void>((resolve) =>
    mq.on(
      topic,
      (packet, done) => {
        waiting.get(String(packet.payload))?.();
        done();
      },
      () => resolve(),
    ),
  );
  return () =>
    new Promise<void>((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('redis emitter did not echo a probe within 1000 ms'));
      }, 1000);
      waiting.set(id, () => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve();
      });
      mq.emit({ topic, payload: id }, (error) => error && reject(error));
    });
}

function whenReady(connection: Redis, role: string, logger: Logger, signal: AbortSignal): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const warn = setInterval(() => logger.warn(`waiting for redis (${role} connection is ${connection.status})`), 5000);
    const done = () => {
      clearInterval(warn);
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      done();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    connection.once('ready', () => {
      done();
      resolve();
    });
  });
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}
