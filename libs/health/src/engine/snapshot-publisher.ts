import { Logger } from '@nestjs/common';
import type { HealthLifecycle, HealthSnapshot, HealthTransition } from '../model/health-snapshot.interface.js';
import { memberHold, STARTING_REASON } from '../groups/verdicts.js';
import { HealthStatus } from '../model/health-status.js';
import type { HealthConfig } from '../options/health-config.js';
import type { IndicatorResult, SnapshotBuilder } from './snapshot-builder.js';

/**
 * Publishes each new immutable snapshot and its transitions: the latest snapshot is what every
 * probe reads; each transition goes to `emit` and, once, to the log.
 */
export class SnapshotPublisher {
  private readonly logger = new Logger('Health');
  private snapshot: HealthSnapshot;

  /** Publishes the placeholders first: emitted, but not logged, as they are not news. */
  constructor(
    private readonly config: HealthConfig,
    private readonly builder: SnapshotBuilder,
    private readonly emit: (transition: HealthTransition) => void,
    placeholders: readonly IndicatorResult[],
    now: number,
    lifecycle: HealthLifecycle,
  ) {
    this.snapshot = this.emitAll(builder.build(placeholders, now, now, lifecycle), false);
  }

  get latest(): HealthSnapshot {
    return this.snapshot;
  }

  publish(results: readonly IndicatorResult[], now: number, refreshedAt: number, lifecycle: HealthLifecycle): HealthSnapshot {
    this.snapshot = this.emitAll(this.builder.build(results, now, refreshedAt, lifecycle), this.config.logTransitions);
    return this.snapshot;
  }

  private emitAll({ snapshot, transitions }: ReturnType<SnapshotBuilder['build']>, log: boolean): HealthSnapshot {
    for (const transition of transitions) {
      if (log) this.log(transition, snapshot);
      this.emit(transition);
    }
    return snapshot;
  }

  private log(t: HealthTransition, snapshot: HealthSnapshot): void {
    const line = `${t.kind === 'group' ? 'group ' : ''}${t.path}: ${t.from ?? '(new)'} -> ${t.to ?? '(gone)'}${t.reason ? ` (${t.reason})` : ''}`;
    const alarming = t.to !== null && t.to !== HealthStatus.UP && t.to !== HealthStatus.UNKNOWN;
    if (alarming && !firstVerdictWhileStarting(t, snapshot)) this.logger.warn(line);
    else this.logger.log(line);
  }
}

/**
 * While start-up holds readiness, a member's first verdict (from UNKNOWN) is part of the start, not
 * news: a store not open yet reads DOWN until the app opens it. Logged, but not as a warning; a
 * member that fails after it has been known, or anything outside the held groups, still warns.
 */
function firstVerdictWhileStarting(t: HealthTransition, snapshot: HealthSnapshot): boolean {
  if (t.kind !== 'component' || (t.from !== null && t.from !== HealthStatus.UNKNOWN)) return false;
  return memberHold(snapshot, t.path) === STARTING_REASON;
}
