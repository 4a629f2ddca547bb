import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createHealthConfig } from '../options/health-config.js';
import type { ResourcesOptions } from '../options/health-options.interface.js';
import { DISK_INTERVAL_MS, ResourcesHealthIndicator } from './resources.health.js';

const indicator = (thresholds: ResourcesOptions) => new ResourcesHealthIndicator(createHealthConfig({ resourceThresholds: thresholds }));

describe('ResourcesHealthIndicator', () => {
  const outside = mkdtempSync(join(tmpdir(), 'resources-spec-'));
  afterAll(() => rmSync(outside, { recursive: true, force: true }));

  it('checks the volume of diskPath and shows its usage, without the absolute path', async () => {
    const component = await indicator({ diskPath: outside }).check();
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
    const component = await indicator({ diskPath: join(outside, 'not', 'yet') }).check();
    const ofParent = await indicator({ diskPath: outside }).check();
    expect(component.components!.disk.status).toBe('UP');
    expect(component.components!.disk.details!['size-bytes']).toBe(ofParent.components!.disk.details!['size-bytes']);
  });

  it('is DEGRADED past diskDegradedRatio and DOWN past diskDownRatio, judged by the used fraction of the volume', async () => {
    const { details } = (await indicator({ diskPath: outside }).check()).components!.disk;
    const used = details!['used-ratio'] as number;
    expect(used).toBeGreaterThan(0.001);
    const judged = async (diskDegradedRatio: number, diskDownRatio: number) =>
      (await indicator({ diskPath: outside, diskDegradedRatio, diskDownRatio }).check()).components!.disk.status;
    expect(await judged(used / 2, Math.min(0.9999, used + (1 - used) / 2))).toBe('DEGRADED');
    expect(await judged(used / 4, used / 2)).toBe('DOWN');
    expect(await judged(Math.min(0.9998, used + (1 - used) / 4), Math.min(0.9999, used + (1 - used) / 2))).toBe('UP');
  });

  it('is DEGRADED past rssDegradedBytes and DOWN past rssDownBytes', async () => {
    const { rss } = process.memoryUsage();
    const judged = async (rssDegradedBytes: number, rssDownBytes: number) =>
      (await indicator({ diskPath: outside, rssDegradedBytes, rssDownBytes }).check()).components!.rss;
    expect(await judged(rss * 100, rss * 200)).toEqual({ status: 'UP', details: { 'used-bytes': expect.any(Number) } });
    expect((await judged(1, rss * 200)).status).toBe('DEGRADED');
    expect((await judged(1, 2)).status).toBe('DOWN');
  });

  it('fails without naming the path when the disk cannot be read', async () => {
    const file = join(outside, 'a-file');
    writeFileSync(file, '');
    const failure = indicator({ diskPath: join(file, 'below') }).check();
    await expect(failure).rejects.toThrow('cannot read the usage of the disk at diskPath (ENOTDIR)');
    await expect(failure).rejects.not.toThrow(outside);
  });

  it('reads memory on every check and the disk at most every DISK_INTERVAL_MS, without waiting for it', async () => {
    const resources = indicator({ diskPath: outside });
    const readings = [];
    for (let i = 0; i < 3; i++) {
      const { components } = await resources.check();
      expect(components!.disk.status).toBe('UP');
      expect(components!.heap.details!['used-bytes']).toBeGreaterThan(0);
      readings.push(components!);
    }
    // One disk reading serves every check within the interval; the heap is read each time.
    expect(readings[1].disk).toBe(readings[0].disk);
    expect(readings[2].disk).toBe(readings[0].disk);
    expect(readings[1].heap).not.toBe(readings[0].heap);
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
