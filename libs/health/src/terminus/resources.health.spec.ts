import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { DiskHealthIndicator, HealthIndicatorResult, MemoryHealthIndicator } from '@nestjs/terminus';
import { createHealthConfig } from '../options/health-config.js';
import type { ResourcesOptions } from '../options/health-options.interface.js';
import { DISK_INTERVAL_MS, ResourcesHealthIndicator } from './resources.health.js';

const up = (key: string): HealthIndicatorResult => ({ [key]: { status: 'up' } });
const memory = { checkHeap: async (key: string) => up(key), checkRSS: async (key: string) => up(key) } as unknown as MemoryHealthIndicator;

/** A Terminus disk indicator that fails at and below `failsAt` (the used fraction it pretends to see), recording the paths it was asked about. */
function fakeDisk(failsAt = 0) {
  const paths: string[] = [];
  const disk = {
    checkStorage: async (key: string, options: { path: string; thresholdPercent: number }) => {
      paths.push(options.path);
      return { [key]: { status: options.thresholdPercent <= failsAt ? 'down' : 'up' } };
    },
  } as unknown as DiskHealthIndicator;
  return { disk, paths };
}

const indicator = (thresholds: ResourcesOptions, disk = fakeDisk().disk) =>
  new ResourcesHealthIndicator(memory, disk, createHealthConfig({ resourceThresholds: thresholds }));

describe('ResourcesHealthIndicator', () => {
  const outside = mkdtempSync(join(tmpdir(), 'resources-spec-'));
  afterAll(() => rmSync(outside, { recursive: true, force: true }));

  it('checks the volume of diskPath and shows its usage, without the absolute path', async () => {
    const { disk, paths } = fakeDisk();
    const component = await indicator({ diskPath: outside }, disk).check();
    expect(paths).toEqual([outside, outside]);
    expect(component.components!.disk).toEqual({
      status: 'UP',
      details: {
        'used-bytes': expect.any(Number),
        'free-bytes': expect.any(Number),
        'size-bytes': expect.any(Number),
        'used-ratio': expect.any(Number),
      },
    });
    const details = component.components!.disk.details as Record<string, number>;
    expect(details['used-bytes'] + details['free-bytes']).toBe(details['size-bytes']);
    expect(details['used-ratio']).toBeGreaterThanOrEqual(0);
    expect(details['used-ratio']).toBeLessThanOrEqual(1);
    expect(JSON.stringify(component)).not.toContain(outside);
  });

  it('shows a diskPath under the working directory relative to it', async () => {
    const component = await indicator({ diskPath: join(process.cwd(), 'libs') }).check();
    expect(component.components!.disk.details).toMatchObject({ path: 'libs' });
    expect((await indicator({}).check()).components!.disk.details).toMatchObject({ path: '.' });
  });

  it('judges a data directory not created yet by the volume it will be on', async () => {
    const { disk, paths } = fakeDisk();
    const component = await indicator({ diskPath: join(outside, 'not', 'yet') }, disk).check();
    expect(component.components!.disk.status).toBe('UP');
    expect(paths[0]).toBe(outside);
  });

  it('is DEGRADED past diskDegradedRatio and DOWN past diskDownRatio', async () => {
    const thresholds = { diskPath: outside, diskDegradedRatio: 0.8, diskDownRatio: 0.95 };
    expect((await indicator(thresholds, fakeDisk(0.9).disk).check()).components!.disk.status).toBe('DEGRADED');
    expect((await indicator(thresholds, fakeDisk(0.99).disk).check()).components!.disk.status).toBe('DOWN');
  });

  it('fails without naming the path when the disk cannot be read', async () => {
    const file = join(outside, 'a-file');
    writeFileSync(file, '');
    const failure = indicator({ diskPath: join(file, 'below') }).check();
    await expect(failure).rejects.toThrow('cannot read the usage of the disk at diskPath (ENOTDIR)');
    await expect(failure).rejects.not.toThrow(outside);
    const broken = {
      checkStorage: () => Promise.reject(new Error(`Command failed: df -Pk -- ${outside}`)),
    } as unknown as DiskHealthIndicator;
    await expect(indicator({ diskPath: outside }, broken).check()).rejects.toThrow('cannot read the usage of the disk at diskPath');
  });

  it('reads memory on every check and the disk at most every DISK_INTERVAL_MS, without waiting for it', async () => {
    const { disk, paths } = fakeDisk();
    const resources = indicator({ diskPath: outside }, disk);
    for (let i = 0; i < 3; i++) {
      const { components } = await resources.check();
      expect(components!.disk.status).toBe('UP');
      expect(components!.heap.details!['used-bytes']).toBeGreaterThan(0);
    }
    expect(paths).toHaveLength(2);
    expect(DISK_INTERVAL_MS).toBe(10_000);
  });

  it('judges the heap by the old generation against heap_size_limit less the young generation', async () => {
    const limit = getHeapStatistics().heap_size_limit;
    const heap = (await indicator({ diskPath: outside }).check()).components!.heap;
    expect(heap.details!['limit-bytes']).toBeLessThanOrEqual(limit - 48 * 2 ** 20);
    expect(heap.details!['limit-bytes']).toBeGreaterThanOrEqual(limit / 2);
    expect(heap.status).toBe('UP');
    const tiny = (await indicator({ diskPath: outside, heapDegradedRatio: 0.0001, heapDownRatio: 0.9 }).check()).components!.heap;
    expect(tiny.status).toBe('DEGRADED');
  });
});
