import { statfs } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { Inject } from '@nestjs/common';
import { HEALTH_CONFIG } from '../health.constants.js';
import { HealthIndicator } from '../indicator/health-indicator.decorator.js';
import type { HealthComponentCheck } from '../model/health-indicator.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import { HealthStatus } from '../model/health-status.js';

/** Disk usage costs a `df`: read at most this often, in the background, never delaying the memory checks. */
export const DISK_INTERVAL_MS = 10_000;
/** A disk reading that has not answered for this long (a hung network mount) reads DOWN until it does. */
export const DISK_STALL_MS = 3 * DISK_INTERVAL_MS;
/** Without RSS thresholds, RSS is judged against the container's memory limit (the OOM killer's) at these fractions. */
export const RSS_OF_LIMIT_DEGRADED = 0.85;
export const RSS_OF_LIMIT_DOWN = 0.95;

/** V8's default young generation on 64-bit: three 16 MiB semi-spaces, reserved inside heap_size_limit. */
const DEFAULT_YOUNG_RESERVE = 48 * 2 ** 20;

/**
 * Heap, RSS and free disk at two thresholds: past the first the resource is low (DEGRADED), past the
 * second exhausted (DOWN). Memory is read on every refresh, so a fast leak shows before it ends the
 * process; the disk every DISK_INTERVAL_MS. The heap is V8's old generation (where a leak ends up,
 * and whose limit ends the process) against its limit, heap_size_limit less the young generation:
 * judged against heap_size_limit as a whole, a 256 MB heap dies at 80 % and is never DEGRADED.
 * RSS and the disk are judged as Terminus's memory and disk indicators judge them (RSS above a
 * threshold in bytes; used space above a fraction of the volume, from one `statfs`, no `df` process),
 * without needing @nestjs/terminus. The disk is the volume that holds `diskPath` (its nearest existing folder, so a data directory not yet created is judged by the
 * volume it will be on); details never show an absolute path.
 */
@HealthIndicator('resources')
export class ResourcesHealthIndicator implements HealthComponentCheck {
  /** The latest settled disk reading (the first one while it is pending). */
  private diskReading?: Promise<HealthComponent>;
  private diskReadAt = 0;
  private diskPending = false;
  /** The young generation's reservation, from the largest new space seen (two of its three semi-spaces). */
  private youngReserve = DEFAULT_YOUNG_RESERVE;

  constructor(@Inject(HEALTH_CONFIG) private readonly config: HealthConfig) {}

  async check(): Promise<HealthComponent> {
    const r = this.config.resourceThresholds;
    const heap = this.oldGeneration();
    const usage = process.memoryUsage();
    const heapStatus =
      heap.used > heap.limit * r.heapDownRatio
        ? HealthStatus.DOWN
        : heap.used > heap.limit * r.heapDegradedRatio
          ? HealthStatus.DEGRADED
          : HealthStatus.UP;
    const heapDetails: Record<string, unknown> = { 'used-bytes': heap.used, 'limit-bytes': heap.limit };
    if (heapStatus !== HealthStatus.UP) heapDetails.reason = `old generation ${mib(heap.used)} of its ${mib(heap.limit)} limit`;
    const components: Record<string, HealthComponent> = { heap: { status: heapStatus, details: heapDetails } };
    const memoryLimit = containerMemoryLimit();
    if (r.rssDegradedBytes || r.rssDownBytes) {
      components.rss = graded(usage.rss, r.rssDegradedBytes, r.rssDownBytes, { 'used-bytes': usage.rss });
    } else if (memoryLimit) {
      components.rss = graded(usage.rss, memoryLimit * RSS_OF_LIMIT_DEGRADED, memoryLimit * RSS_OF_LIMIT_DOWN, {
        'used-bytes': usage.rss,
        'limit-bytes': memoryLimit,
      });
    }
    components.disk = await this.diskUsage();
    return { status: HealthStatus.UP, components };
  }

  /** Bytes used by the old generation and its limit. */
  private oldGeneration(): { used: number; limit: number } {
    const total = getHeapStatistics().heap_size_limit;
    let used = 0;
    for (const space of getHeapSpaceStatistics()) {
      if (space.space_name === 'new_space') this.youngReserve = Math.max(this.youngReserve, 1.5 * space.space_size);
      else if (space.space_name !== 'new_large_object_space') used += space.space_used_size;
    }
    return { used, limit: total - Math.min(this.youngReserve, total / 2) };
  }

  /**
   * The first reading is awaited; later ones replace it once they settle, a failed one failing the check as
   * the first would. One that hangs (`statfs` on a hung NFS mount) does not leave the last reading standing:
   * past DISK_STALL_MS the disk reads DOWN until it answers.
   */
  private diskUsage(): Promise<HealthComponent> {
    if (!this.diskReading) return (this.diskReading = this.readDisk());
    const waited = performance.now() - this.diskReadAt;
    if (this.diskPending && waited >= DISK_STALL_MS) {
      const reason = `cannot read the usage of the disk at diskPath: no answer for ${Math.round(waited / 1000)} s`;
      return Promise.resolve({ status: HealthStatus.DOWN, details: { reason } });
    }
    if (!this.diskPending && performance.now() - this.diskReadAt >= DISK_INTERVAL_MS) {
      this.diskPending = true;
      const reading = this.readDisk();
      const settle = () => {
        this.diskReading = reading;
        this.diskPending = false;
      };
      reading.then(settle, settle);
    }
    return this.diskReading;
  }

  private async readDisk(): Promise<HealthComponent> {
    this.diskReadAt = performance.now(); // monotonic: a clock step neither freezes nor hurries the disk
    const r = this.config.resourceThresholds;
    const volume = await volumeOf(r.diskPath);
    return graded(volume.usedRatio, r.diskDegradedRatio, r.diskDownRatio, volume.details);
  }
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

/** The cgroup memory limit the OOM killer enforces, when there is one below the host's memory. */
function containerMemoryLimit(): number | undefined {
  const limit = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  return limit && limit > 0 && limit < totalmem() ? limit : undefined;
}

/** DOWN past `downAt`, DEGRADED past `degradedAt`, else UP. */
function graded(
  value: number,
  degradedAt: number | undefined,
  downAt: number | undefined,
  details: Record<string, unknown>,
): HealthComponent {
  const past = (threshold: number | undefined) => threshold !== undefined && value > threshold;
  return { status: past(downAt) ? HealthStatus.DOWN : past(degradedAt) ? HealthStatus.DEGRADED : HealthStatus.UP, details };
}

/** The usage of the volume that holds `path` (or its nearest existing parent), and details without an absolute path. */
async function volumeOf(path: string): Promise<{ usedRatio: number; details: Record<string, unknown> }> {
  let existing = resolve(path);
  for (;;) {
    try {
      const { bsize, blocks, bavail } = await statfs(existing);
      const [size, free] = [bsize * blocks, bsize * bavail];
      const shown = relative(process.cwd(), resolve(path)) || '.';
      return {
        usedRatio: size ? (size - free) / size : 0, // a volume without blocks is not judged, as Terminus does not
        details: {
          ...(shown.startsWith('..') || isAbsolute(shown) ? {} : { path: shown }),
          'used-bytes': size - free,
          'free-bytes': free,
          'size-bytes': size,
          'used-ratio': size ? Math.round(((size - free) / size) * 1000) / 1000 : 0,
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && dirname(existing) !== existing) existing = dirname(existing);
      // No `cause`: Node's message quotes the path, which details never show.
      else throw new Error(`cannot read the usage of the disk at diskPath (${code ?? 'unknown error'})`);
    }
  }
}
