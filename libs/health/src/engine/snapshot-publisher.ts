import { Logger } from '@nestjs/common';
import type { HealthLifecycle, HealthSnapshot, HealthTransition } from '../model/health-snapshot.interface.js';
import {
  DRAINING_REASON,
  failingMembers,
  isFailing,
  memberHold,
  probeMembers,
  ROOT_CAUSE_ORDER,
  rootCauseRank,
  STARTING_REASON,
} from '../groups/verdicts.js';
import { findComponent } from '../model/component-tree.js';
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
  /** The causes logged per top-level component since its last status change, so a change of cause alone is logged once. */
  private readonly causes = new Map<string, Set<string | undefined>>();

  /** Publishes the placeholders first: emitted, but not logged, as they are not news. */
  constructor(
    private readonly config: HealthConfig,
    private readonly builder: SnapshotBuilder,
    private readonly emit: (transition: HealthTransition) => void,
    placeholders: readonly IndicatorResult[],
    now: number,
    lifecycle: HealthLifecycle,
    monotonic = now,
  ) {
    this.snapshot = this.emitAll(builder.build(placeholders, now, now, lifecycle, monotonic), false);
  }

  get latest(): HealthSnapshot {
    return this.snapshot;
  }

  /** `now` and `refreshedAt` are wall-clock times (epoch ms), `monotonic` the clock of grace windows (see SnapshotBuilder). */
  publish(
    results: readonly IndicatorResult[],
    now: number,
    refreshedAt: number,
    lifecycle: HealthLifecycle,
    monotonic = now,
  ): HealthSnapshot {
    this.snapshot = this.emitAll(this.builder.build(results, now, refreshedAt, lifecycle, monotonic), this.config.logTransitions);
    return this.snapshot;
  }

  private emitAll({ snapshot, transitions }: ReturnType<SnapshotBuilder['build']>, log: boolean): HealthSnapshot {
    // Root cause first: a storage outage reads storage, then the cluster that follows from it.
    const ordered = [...transitions].sort((a, b) => causeRank(a) - causeRank(b));
    // A drain holds readiness and startup at once: one line says it.
    let drainSaid = false;
    for (const transition of ordered) {
      const drain = isDrainHold(transition);
      if (log && !(drainSaid && drain)) this.log(transition, snapshot);
      drainSaid ||= drain;
      this.emit(transition);
    }
    if (log) this.logCauseChanges(snapshot, ordered);
    return snapshot;
  }

  private log(t: HealthTransition, snapshot: HealthSnapshot): void {
    const why = t.kind === 'group' ? groupCause(t, snapshot, this.config) : componentCause(t.path, snapshot, t.reason);
    const line = `${t.kind === 'group' ? 'group ' : ''}${t.path}: ${t.from ?? '(new)'} -> ${t.to ?? '(gone)'}${why ? ` (${why})` : ''}`;
    // Each status starts a new list of causes said (a cause repeats after the component recovered, not before).
    if (t.kind === 'component' && !t.path.includes('/')) this.causes.set(t.path, new Set([why]));
    const alarming = t.to !== null && t.to !== HealthStatus.UP && t.to !== HealthStatus.UNKNOWN;
    // A drain with a window takes the node out of rotation for a while; without one it is a plain shutdown.
    const quietDrain = isDrainHold(t) && this.config.drainMs === 0;
    if (alarming && !quietDrain && !firstVerdictWhileStarting(t, snapshot)) this.logger.warn(line);
    else this.logger.log(line);
  }

  /**
   * A component that stays DOWN while its cause changes (ECONNREFUSED, then WRONGPASS) says each new cause
   * once: the cause is what an operator acts on, and no status transition would carry it. Causes that take
   * turns do not repeat until the component has changed status.
   */
  private logCauseChanges(snapshot: HealthSnapshot, transitions: readonly HealthTransition[]): void {
    for (const [path, component] of Object.entries(snapshot.components)) {
      if (!FAILED.has(component.status) || transitions.some((t) => t.kind === 'component' && t.path === path)) continue;
      const why = componentCause(path, snapshot);
      const said = this.causes.get(path) ?? new Set<string | undefined>();
      if (said.has(why)) continue;
      this.causes.set(path, said.add(why));
      const line = `${path}: still ${component.status}${why ? ` (${why})` : ''}`;
      if (memberHold(snapshot, path) === STARTING_REASON) this.logger.log(line);
      else this.logger.warn(line);
    }
  }
}

/** A group held OUT_OF_SERVICE by the drain (readiness and startup). */
function isDrainHold(t: HealthTransition): boolean {
  return t.kind === 'group' && t.reason === DRAINING_REASON;
}

const FAILED: ReadonlySet<HealthStatus> = new Set([HealthStatus.DOWN, HealthStatus.OUT_OF_SERVICE]);

/** Components in root cause order, groups after them (their line names the cause already logged). */
function causeRank(t: HealthTransition): number {
  return t.kind === 'group' ? ROOT_CAUSE_ORDER.length + 1 : rootCauseRank(t.path);
}

/** `storage unavailable: redis unreachable: connect ECONNREFUSED 127.0.0.1:6379`: the reason, then the underlying error. */
function componentCause(path: string, snapshot: HealthSnapshot, reason?: string): string | undefined {
  const details = findComponent(snapshot.components, path)?.details;
  const said = reason ?? (typeof details?.reason === 'string' && details.reason ? details.reason : undefined);
  const error = typeof details?.error === 'string' && details.error ? details.error : undefined;
  if (!error || error === said) return said;
  return said ? `${said}: ${error}` : error;
}

/** A failing group names its root cause, then the other members that fail: `starting; root cause broker — waiting for storage: …; also cluster, mqtt`. */
function groupCause(t: HealthTransition, snapshot: HealthSnapshot, config: HealthConfig): string | undefined {
  const group = snapshot.groups[t.path];
  if (!group || !isFailing(config, group)) return t.reason;
  const [cause, ...alsoFailing] = failingMembers(probeMembers(group, config));
  if (!cause) return t.reason;
  const others = alsoFailing.map((m) => m.path);
  const text = `root cause ${cause.path} — ${componentCause(cause.path, snapshot) ?? cause.reason ?? cause.component.status}`;
  return [t.reason, text, others.length ? `also ${others.join(', ')}` : undefined].filter(Boolean).join('; ');
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
