import { afterEach, describe, expect, it, jest } from '@jest/globals';

// statfs answers once, then hangs as it does on a hung network mount.
let hang = false;
jest.unstable_mockModule('node:fs/promises', () => ({
  statfs: () => (hang ? new Promise(() => undefined) : Promise.resolve({ bsize: 4096, blocks: 1000, bavail: 300 })),
}));
const { createHealthConfig } = await import('../options/health-config.js');
const { DISK_INTERVAL_MS, DISK_STALL_MS, ResourcesHealthIndicator } = await import('./resources.health.js');

afterEach(() => {
  jest.useRealTimers();
});

describe('ResourcesHealthIndicator with a disk that stops answering', () => {
  it('reads the disk DOWN once a reading has hung for DISK_STALL_MS, instead of serving the last one', async () => {
    jest.useFakeTimers();
    const resources = new ResourcesHealthIndicator(createHealthConfig({ resourceThresholds: { diskPath: '/data' } }));
    expect((await resources.check()).components!.disk).toMatchObject({ status: 'UP', details: { 'used-ratio': 0.7 } });
    hang = true;
    jest.advanceTimersByTime(DISK_INTERVAL_MS);
    // The hung reading is under way: the last one still stands until the stall bound.
    expect((await resources.check()).components!.disk.status).toBe('UP');
    jest.advanceTimersByTime(DISK_STALL_MS - 1);
    expect((await resources.check()).components!.disk.status).toBe('UP');
    jest.advanceTimersByTime(1);
    expect((await resources.check()).components!.disk).toEqual({
      status: 'DOWN',
      details: { reason: `cannot read the usage of the disk at diskPath: no answer for ${DISK_STALL_MS / 1000} s` },
    });
  });
});
