import { describe, expect, it } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import type { AedesPersistence } from 'aedes-persistence-types';
import { isWriteFailure, StorageState, watchWrites } from './storage-state.js';

function recordingLogger() {
  const lines: string[] = [];
  const logger = {
    log: (m: string) => lines.push(`LOG ${m}`),
    warn: (m: string) => lines.push(`WARN ${m}`),
    debug: (m: string) => lines.push(`DEBUG ${m}`),
  } as unknown as Logger;
  return { logger, lines };
}

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isWriteFailure', () => {
  it('recognises a full disk, LevelDB I/O errors and Redis refusing writes, not a lost connection', () => {
    expect(isWriteFailure(coded('IO error: 000003.log: No space left on device', 'LEVEL_IO_ERROR'))).toBe(true);
    expect(isWriteFailure(coded('write failed', 'ENOSPC'))).toBe(true);
    expect(isWriteFailure(new Error("OOM command not allowed when used memory > 'maxmemory'."))).toBe(true);
    expect(isWriteFailure(new Error('MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist'))).toBe(
      true,
    );
    expect(isWriteFailure(new Error('Connection is closed.'))).toBe(false);
    expect(isWriteFailure(new Error('Reached the max retries per request limit (which is 5).'))).toBe(false);
    expect(isWriteFailure('OOM')).toBe(false);
  });
});

describe('StorageState', () => {
  it('turns unavailable on a failed write, tells the waiting publishes, warns once, and recovers when told', () => {
    const { logger, lines } = recordingLogger();
    const state = new StorageState(logger);
    let told = 0;
    state.onUnavailable(() => told++);
    const full = coded('IO error: No space left on device', 'LEVEL_IO_ERROR');
    state.writeFailed(full);
    state.writeFailed(full);
    expect(state.available).toBe(false);
    expect(state.failedWrite).toBe(full);
    expect(told).toBe(2);
    expect(lines).toEqual([expect.stringMatching(/^WARN storage write failed \(IO error: No space left on device\)/)]);
    state.answers();
    expect(state.available).toBe(true);
    expect(state.failedWrite).toBeUndefined();
    expect(lines[1]).toBe('LOG storage answers again: accepting QoS 1/2 publishes');
  });

  it('logs the errors of a known outage once, then at debug level, and warns again in the next outage', () => {
    const { logger, lines } = recordingLogger();
    const state = new StorageState(logger);
    const retries = new Error('Reached the max retries per request limit (which is 5).');
    state.reportError('broker', retries);
    state.unavailable('redis persistence connection lost');
    for (let i = 0; i < 3; i++) state.reportError('broker', retries);
    state.answers();
    state.unavailable('redis persistence connection lost');
    state.reportError('broker', retries);
    expect(lines.map((line) => line.split(' ')[0])).toEqual(['WARN', 'WARN', 'WARN', 'DEBUG', 'DEBUG', 'LOG', 'WARN', 'WARN']);
  });
});

describe('watchWrites', () => {
  it('reports failed writes and still rejects them to the caller', async () => {
    const { logger } = recordingLogger();
    const state = new StorageState(logger);
    const full = coded('No space left on device', 'ENOSPC');
    const persistence = {
      storeRetained: () => Promise.reject(full),
      outgoingUpdate: () => Promise.reject(new Error('unknown key')),
    } as unknown as AedesPersistence & { storeRetained(packet: unknown): Promise<void> };
    watchWrites(persistence, state);
    await expect(persistence.outgoingUpdate({}, {})).rejects.toThrow('unknown key');
    expect(state.available).toBe(true);
    await expect(persistence.storeRetained({})).rejects.toBe(full);
    await Promise.resolve();
    expect(state.failedWrite).toBe(full);
  });
});
