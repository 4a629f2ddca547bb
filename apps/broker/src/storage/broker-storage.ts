import type { Logger } from '@nestjs/common';
import type { BrokerConfig } from '../config/index.js';
import { openLevelStorage } from './level-storage.js';
import { openRedisStorage } from './redis-storage.js';
import { keepDollarTopicsFromWildcards, type RetainedStreams } from './retained-dollar-topics.js';
import type { BrokerStorage } from './storage.interface.js';

export type { BrokerStorage } from './storage.interface.js';
export { deliverEveryMessage } from './deliver-every-message.js';
export { REDIS_CONNECTION_OPTIONS } from './redis-storage.js';
export { withTimeout } from './storage-state.js';

/**
 * Opens the configured storage; with Redis, waits (until `signal` aborts) for every connection to be ready, saying
 * why it waits. A wildcard subscription never gets a retained `$SYS/` message (retained-dollar-topics.ts).
 */
export async function openStorage(
  config: BrokerConfig,
  logger: Logger,
  signal: AbortSignal,
  onRefused?: (refusal: string | undefined) => void,
  onUnreachable?: (cause: string | undefined) => void,
): Promise<BrokerStorage> {
  const storage = await (config.redisUrl
    ? openRedisStorage(config.redisUrl, config.nodeId, logger, signal, onRefused, onUnreachable)
    : openLevelStorage(config.dataDir, logger));
  keepDollarTopicsFromWildcards(storage.persistence as unknown as RetainedStreams);
  return storage;
}
