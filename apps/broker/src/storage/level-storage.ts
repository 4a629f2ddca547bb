import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@nestjs/common';
import aedesPersistenceLevel from 'aedes-persistence-level';
import { ClassicLevel } from 'classic-level';
import { releaseInArrivalOrder } from './arrival-order.js';
import { StorageState, watchWrites } from './storage-state.js';
import type { BrokerStorage } from './storage.interface.js';

const PROBE_KEY = '$health/probe';
/** Written every refresh: a full disk shows without waiting for a client's write. */
const PROBE = '.'.repeat(64);
/** After a failed write, storage is back only once this much fits again, so a few free bytes do not make it flap. */
const RECOVERY_PROBE = '.'.repeat(64 * 1024);

/** LevelDB in `dataDir`; every ping writes (and deletes) a probe key, so a full disk turns storage DOWN. */
export async function openLevelStorage(dataDir: string, logger: Logger): Promise<BrokerStorage> {
  await mkdir(dataDir, { recursive: true });
  const db = new ClassicLevel(join(dataDir, 'aedes'));
  await db.open();
  const persistence = aedesPersistenceLevel(db);
  releaseInArrivalOrder(persistence);
  const state = new StorageState(logger);
  watchWrites(persistence, state);
  return {
    type: 'level',
    persistence,
    get available() {
      return state.available && db.status === 'open';
    },
    onUnavailable: (listener) => state.onUnavailable(listener),
    reportError: (source, error) => state.reportError(source, error),
    async ping() {
      if (db.status !== 'open') throw new Error(`level database is ${db.status}`);
      try {
        await db.put(PROBE_KEY, state.failedWrite ? RECOVERY_PROBE : PROBE);
        await db.del(PROBE_KEY);
      } catch (error) {
        if (db.status === 'open') state.writeFailed(error as Error);
        throw error;
      }
      state.answers();
    },
    close: () => persistence.destroy(),
  };
}
