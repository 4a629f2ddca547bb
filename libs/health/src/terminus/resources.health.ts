import { statfs } from 'node:fs/promises';
import { getHeapStatistics } from 'node:v8';
import { Inject } from '@nestjs/common';
import { DiskHealthIndicator, MemoryHealthIndicator, type HealthIndicatorResult } from '@nestjs/terminus';
import { HEALTH_CONFIG } from '../health.constants.js';
import { HealthIndicator } from '../indicator/health-indicator.decorator.js';
import type { HealthComponentCheck } from '../model/health-indicator.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import { HealthStatus } from '../model/health-status.js';
import { fromTerminusResult } from './terminus.adapter.js';

/**
 * Heap, RSS and free disk, judged by Terminus's memory and disk indicators at two thresholds:
 * past the first the resource is low (DEGRADED), past the second exhausted (DOWN).
 */
@HealthIndicator('resources', { intervalMs: 10_000 })
export class ResourcesHealthIndicator implements HealthComponentCheck {
  constructor(
    private readonly memory: MemoryHealthIndicator,
    private readonly disk: DiskHealthIndicator,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  async check(): Promise<HealthComponent> {
    const r = this.config.resourceThresholds;
    const heapLimit = getHeapStatistics().heap_size_limit;
    const usage = process.memoryUsage();
    const components: Record<string, HealthComponent> = {
      heap: await graded(
        (threshold) => this.memory.checkHeap('heap', threshold),
        heapLimit * r.heapDegradedRatio,
        heapLimit * r.heapDownRatio,
        { 'used-bytes': usage.heapUsed, 'limit-bytes': heapLimit },
      ),
    };
    if (r.rssDegradedBytes || r.rssDownBytes) {
      components.rss = await graded((threshold) => this.memory.checkRSS('rss', threshold), r.rssDegradedBytes, r.rssDownBytes, {
        'used-bytes': usage.rss,
      });
    }
    const { bsize, blocks, bavail } = await statfs(r.diskPath);
    components.disk = await graded(
      (thresholdPercent) => this.disk.checkStorage('disk', { path: r.diskPath, thresholdPercent }),
      r.diskDegradedRatio,
      r.diskDownRatio,
      { path: r.diskPath, 'free-bytes': bsize * bavail, 'size-bytes': bsize * blocks },
    );
    return { status: HealthStatus.UP, components };
  }
}

/** DOWN past `downAt`, DEGRADED past `degradedAt`, else UP. */
async function graded(
  check: (threshold: number) => Promise<HealthIndicatorResult>,
  degradedAt: number | undefined,
  downAt: number | undefined,
  details: Record<string, unknown>,
): Promise<HealthComponent> {
  const failsAt = async (threshold: number | undefined) =>
    threshold !== undefined && fromTerminusResult(await check(threshold)).status === HealthStatus.DOWN;
  const status = (await failsAt(downAt)) ? HealthStatus.DOWN : (await failsAt(degradedAt)) ? HealthStatus.DEGRADED : HealthStatus.UP;
  return { status, details };
}
