import type { Logger } from '@nestjs/common';
import type { BrokerConfig } from '../config/index.js';
import { openLevelStorage } from './level-storage.js';
import { openRedisStorage } from './redis-storage.js';
import type { BrokerStorage } from './storage.interface.js';

export type { BrokerStorage } from './storage.interface.js';
export { deliverEveryMessage } from './deliver-every-message.js';
export { REDIS_CONNECTION_OPTIONS } from './redis-storage.js';
export { withTimeout } from './storage-state.js';

/** Opens the configured storage; with Redis, waits (until `signal` aborts) for every connection to be ready, saying why it waits. */
export function openStorage(
  config: BrokerConfig,
  logger: Logger,
  signal: AbortSignal,
  onRefused?: (refusal: string | undefined) => void,
  onUnreachable?: (cause: string | undefined) => void,
): Promise<BrokerStorage> {
  return config.redisUrl
    ? openRedisStorage(config.redisUrl, config.nodeId, logger, signal, onRefused, onUnreachable)
    : openLevelStorage(config.dataDir, logger);
}
