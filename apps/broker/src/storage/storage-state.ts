import type { Logger } from '@nestjs/common';
import type { AedesPersistence } from 'aedes-persistence-types';

/** The persistence methods that write; a rejection of one of them may mean the store takes no more writes. */
const WRITES = [
  'storeRetained',
  'addSubscriptions',
  'removeSubscriptions',
  'cleanSubscriptions',
  'outgoingEnqueue',
  'outgoingEnqueueCombi',
  'outgoingUpdate',
  'outgoingClearMessageId',
  'incomingStorePacket',
  'incomingDelPacket',
  'putWill',
  'delWill',
] as const;

const LEVEL_WRITE_ERRORS = new Set(['LEVEL_IO_ERROR', 'LEVEL_CORRUPTION', 'ENOSPC', 'EDQUOT', 'EROFS']);
/** Redis refusing writes: out of memory (maxmemory, noeviction), a failed snapshot (stop-writes-on-bgsave-error), a replica. */
const REDIS_WRITE_REFUSALS = /^(OOM|MISCONF|READONLY|NOREPLICAS)\b/;

/** A store that refuses writes (full disk, LevelDB I/O error, Redis OOM/MISCONF), as opposed to a lost connection. */
export function isWriteFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (
    (code !== undefined && LEVEL_WRITE_ERRORS.has(code)) ||
    REDIS_WRITE_REFUSALS.test(error.message) ||
    /no space left on device/i.test(error.message)
  );
}

/**
 * Whether storage can take writes now. It becomes unavailable when a connection drops or a write
 * fails, and available again only when `answers()` says a ping and a probe write succeeded. Each
 * change is logged once; while storage is known to be unavailable, the errors that follow from it
 * (ioredis "max retries", Aedes' will sweep) are logged once per outage, then at debug level.
 */
export class StorageState {
  private down?: string;
  private writeFailure?: Error;
  private outageErrorLogged = false;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly logger: Logger) {}

  get available(): boolean {
    return this.down === undefined;
  }

  /** The failed write that made storage unavailable, until a probe write succeeds. */
  get failedWrite(): Error | undefined {
    return this.writeFailure;
  }

  onUnavailable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Storage stopped answering (`reason` is logged at warn level once per outage). */
  unavailable(reason: string): void {
    if (this.down === undefined) this.logger.warn(`${reason}: refusing QoS 1/2 publishes until storage answers again`);
    this.down ??= reason;
    for (const listener of [...this.listeners]) listener();
  }

  /** A write failed: storage is unavailable until a probe write succeeds. */
  writeFailed(error: Error): void {
    this.writeFailure ??= error;
    this.unavailable(`storage write failed (${error.message})`);
  }

  /** A ping and a probe write succeeded. */
  answers(): void {
    if (this.down !== undefined) this.logger.log('storage answers again: accepting QoS 1/2 publishes');
    this.down = undefined;
    this.writeFailure = undefined;
    this.outageErrorLogged = false;
  }

  /** An error from the broker or the storage clients: see the class comment. */
  reportError(source: string, error: Error): void {
    if (isWriteFailure(error)) return this.writeFailed(error);
    if (this.available) return this.logger.warn(`${source}: ${error.message}`);
    if (this.outageErrorLogged) return this.logger.debug(`${source}: ${error.message}`);
    this.outageErrorLogged = true;
    this.logger.warn(`${source}: ${error.message} (storage unavailable; more of these are logged at debug level until it answers)`);
  }
}

/** Reports every write the persistence fails for want of room (or Redis refuses) to `state`; callers still see the rejection. */
export function watchWrites(persistence: AedesPersistence, state: StorageState): void {
  const methods = persistence as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of WRITES) {
    const write = methods[method]?.bind(persistence);
    if (!write) continue;
    methods[method] = (...args: unknown[]) => {
      const result = write(...args);
      if (result instanceof Promise) result.catch((error: unknown) => isWriteFailure(error) && state.writeFailed(error as Error));
      return result;
    };
  }
}

/** `promise`, or undefined once `ms` have passed. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}
