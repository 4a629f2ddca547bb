import { Logger } from '@nestjs/common';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';

/**
 * Past the threshold without a completed refresh, probes read a stale snapshot in which every
 * component is DOWN, instead of the last good news for ever. Logged once per stale snapshot.
 * Its times are monotonic (`performance.now()`), so a step of the wall clock neither makes fresh
 * results stale nor hides a stalled refresher.
 */
export class StalenessGuard {
  private readonly logger = new Logger('Health');
  private cached?: { of: HealthSnapshot; value: HealthSnapshot };

  constructor(
    private readonly thresholdMs: number,
    private readonly markStale: (snapshot: HealthSnapshot) => HealthSnapshot,
  ) {}

  /** The snapshot as a probe may read it at `now`, given when the last refresh completed (both monotonic). */
  check(snapshot: HealthSnapshot, refreshedAt: number, now: number): HealthSnapshot {
    const ageMs = now - refreshedAt;
    if (ageMs <= this.thresholdMs) return snapshot;
    if (this.cached?.of !== snapshot) {
      this.logger.error(`Health results are stale: no refresh completed for ${Math.round(ageMs)} ms; every component reports DOWN`);
      this.cached = { of: snapshot, value: this.markStale(snapshot) };
    }
    return this.cached.value;
  }
}
