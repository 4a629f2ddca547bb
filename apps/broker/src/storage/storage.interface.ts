import type { AedesPersistence } from 'aedes-persistence-types';
import type { Redis } from 'ioredis';
import type MQEmitterRedis from 'mqemitter-redis';
import type { StorageProbe } from 'nestjs-mqtt-health';

/** The broker's persistence (and, with Redis, its shared emitter), plus a fast "can we store now?" gate. */
export interface BrokerStorage extends StorageProbe {
  readonly persistence: AedesPersistence;
  /** The cluster-wide emitter; undefined with embedded storage (Aedes then uses an in-process one). */
  readonly mq?: MQEmitterRedis.MQEmitterRedis;
  /** A fail-fast Redis connection for pings and the leader lease; never queues a command. */
  readonly control?: Redis;
  /**
   * False from the moment a storage connection drops or a write fails (full disk, Redis out of memory)
   * until a ping and a probe write succeed again. QoS 1/2 publishes are refused while it is false,
   * because Aedes acknowledges them before storing them.
   */
  readonly available: boolean;
  /** Calls `listener` each time storage becomes unavailable; returns the unsubscribe function. */
  onUnavailable(listener: () => void): () => void;
  /**
   * An error the broker emitted: a failed write turns storage unavailable; the others are logged,
   * at most once per outage while storage is known to be unavailable.
   */
  reportError(source: string, error: Error): void;
  close(): Promise<void>;
}
