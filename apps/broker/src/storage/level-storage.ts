import { mkdir, open, readdir, stat, statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@nestjs/common';
import aedesPersistenceLevel from 'aedes-persistence-level';
import { ClassicLevel } from 'classic-level';
import { releaseInArrivalOrder } from './arrival-order.js';
import { isWriteFailure, StorageState, watchWrites } from './storage-state.js';
import type { BrokerStorage } from './storage.interface.js';

const PROBE_KEY = '$health/probe';
/** Written through LevelDB every refresh: LevelDB itself still takes writes. */
const PROBE = '.'.repeat(64);
/**
 * Written to a fresh file beside the database and synced every refresh: new blocks on the disk itself. LevelDB
 * appends to its log in place, so its small writes can keep landing in a block already allocated long after
 * the disk is full.
 */
const DISK_PROBE_BYTES = 4096;
/** After a failed write, storage is back only once this much fits again, so a few free bytes do not make it flap. */
const RECOVERY_PROBE_BYTES = 64 * 1024;
/** LevelDB ignores files it did not name, so the probe can live in its directory. */
const DISK_PROBE_FILE = 'health-probe';

/**
 * LevelDB in `dataDir`. Every ping proves a write: to the disk (a fresh file, synced), then through LevelDB (a
 * probe key); and that the directory LevelDB writes to is still the one it opened, not deleted or replaced.
 */
export async function openLevelStorage(dataDir: string, logger: Logger): Promise<BrokerStorage> {
  const directory = join(dataDir, 'aedes');
  await mkdir(dataDir, { recursive: true });
  const db = new ClassicLevel(directory);
  await db.open();
  const opened = await stat(directory);
  const persistence = aedesPersistenceLevel(db);
  releaseInArrivalOrder(persistence);
  const state = new StorageState(logger);
  watchWrites(persistence, state);

  /** Set from a reopen's start until the database is open again: pings then retry the opening. */
  let reopening = false;
  let opening: Promise<void> | undefined;
  const reopen = () =>
    (opening ??= (async () => {
      try {
        await roomToReopen(directory);
        if (db.status === 'open') await db.close();
        await db.open().catch((error: Error) => {
          throw new Error(`level database could not be reopened (${(error.cause as Error | undefined)?.message ?? error.message})`);
        });
        reopening = false;
      } finally {
        opening = undefined;
      }
    })());
  const writeThroughLevel = async () => {
    await db.put(PROBE_KEY, PROBE);
    await db.del(PROBE_KEY);
  };

  /** Rejects when the open database's directory is gone or another one took its place: its files then live nowhere. */
  const sameDirectory = async () => {
    const now = await stat(directory).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (now?.ino === opened.ino && now.dev === opened.dev) return;
    throw new Error(
      `the storage directory ${directory} was ${now ? 'replaced' : 'deleted'} while the broker had it open: ` +
        'what it stores no longer reaches DATA_DIR; restart the broker',
    );
  };

  return {
    type: 'level',
    persistence,
    get available() {
      return state.available && db.status === 'open';
    },
    onUnavailable: (listener) => state.onUnavailable(listener),
    reportError: (source, error) => state.reportError(source, error),
    async ping() {
      if (db.status !== 'open' && !reopening) throw new Error(`level database is ${db.status}`);
      let diskHasRoom = false;
      try {
        await sameDirectory();
        await writeToDisk(join(directory, DISK_PROBE_FILE), state.failedWrite ? RECOVERY_PROBE_BYTES : DISK_PROBE_BYTES);
        diskHasRoom = state.failedWrite !== undefined;
        if (reopening) await reopen();
        await writeThroughLevel();
      } catch (error) {
        if (!diskHasRoom || !isWriteFailure(error) || db.status !== 'open') {
          if (db.status === 'open') state.writeFailed(error as Error);
          throw error;
        }
        // The disk has room again, but LevelDB keeps the error of a write that failed in the background (a
        // compaction): every write fails until the database is opened again. Same instance, so the persistence
        // keeps it; its log, and so every write it acknowledged, is read back on opening.
        if (!reopening) {
          logger.warn(
            `level database refuses every write since one failed in the background (${(error as Error).message}): ` +
              'reopening it once the disk has room for it',
          );
        }
        reopening = true;
        await reopen();
        await writeThroughLevel();
        logger.log('level database reopened: it takes writes again');
      }
      state.answers();
    },
    close: () => persistence.destroy(),
  };
}

/** Room LevelDB needs beyond its logs to open: a manifest, and a margin so the first writes after it fit. */
const REOPEN_MARGIN_BYTES = 1024 * 1024;

/**
 * Rejects unless the disk has room for LevelDB to open `directory`: opening writes what its logs hold (the writes
 * not yet in a table) to a new table, so a database reopened with less room fails to open at all.
 */
async function roomToReopen(directory: string): Promise<void> {
  const logs = (await readdir(directory)).filter((name) => name.endsWith('.log'));
  let needed = REOPEN_MARGIN_BYTES;
  for (const log of logs) needed += (await stat(join(directory, log)).catch(() => ({ size: 0 }))).size;
  const { bavail, bsize } = await statfs(directory);
  const free = bavail * bsize;
  if (free < needed) {
    throw new Error(`no space left on device to reopen the level database: it needs ${needed} bytes free, ${free} are`);
  }
}

/** Writes `bytes` to a fresh file at `path`, syncs it to the disk and removes it. */
async function writeToDisk(path: string, bytes: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.write(Buffer.alloc(bytes, 0x2e));
    await file.sync();
  } finally {
    await file.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
  }
}
