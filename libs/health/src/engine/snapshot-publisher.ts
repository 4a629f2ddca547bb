import { Logger } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import type { GroupInput } from '../model/health-group.interface.js';
import type { HealthLifecycle, HealthSnapshot, HealthTransition } from '../model/health-snapshot.interface.js';
import { HealthStatus, STARTING_REASON } from '../model/health-status.js';
import type { HealthConfig } from '../options/health-config.js';
import { SnapshotBuilder, type IndicatorResult } from './snapshot-builder.js';

/**
 * Publishes each new immutable snapshot and its transitions: the latest snapshot is what every
 * probe reads; each transition goes out on `changes$` and, once, to the log.
 */
export class SnapshotPublisher {
  private readonly logger = new Logger('Health');
  private readonly transitions = new Subject<HealthTransition>();
  private readonly builder: SnapshotBuilder;
  private snapshot!: HealthSnapshot;

  readonly changes$: Observable<HealthTransition> = this.transitions.asObservable();

  constructor(
    private readonly config: HealthConfig,
    groups: readonly GroupInput[],
  ) {
    this.builder = new SnapshotBuilder(config, groups);
  }

  get latest(): HealthSnapshot {
    return this.snapshot;
  }

  publish(
    results: readonly IndicatorResult[],
    now: number,
    refreshedAt: number,
    lifecycle: HealthLifecycle,
    log = this.config.logTransitions,
  ): HealthSnapshot {
    const { snapshot, transitions } = this.builder.build(results, now, refreshedAt, lifecycle);
    this.snapshot = snapshot;
    for (const transition of transitions) {
      if (log) this.log(transition, snapshot);
      this.transitions.next(transition);
    }
    return snapshot;
  }

  /** The latest snapshot with every component DOWN, for a refresher that has stalled. */
  stale(snapshot: HealthSnapshot, now: number): HealthSnapshot {
    return this.builder.stale(snapshot, now);
  }

  complete(): void {
    this.transitions.complete();
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
  return ['readiness', 'startup'].some((name) => {
    const group = snapshot.groups[name];
    if (group?.details?.reason !== STARTING_REASON) return false;
    return Object.keys(group.components).some(
      (member) => t.path === member || t.path.startsWith(`${member}/`) || member.startsWith(`${t.path}/`),
    );
  });
}
