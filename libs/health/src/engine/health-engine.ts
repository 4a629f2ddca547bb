import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Subject, type Observable } from 'rxjs';
import { errorText } from '../errors/error-text.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import type { GroupInput } from '../model/health-group.interface.js';
import type { HealthSnapshot, HealthTransition } from '../model/health-snapshot.interface.js';
import type { RegisteredIndicator } from '../model/registered-indicator.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import { CheckRunner, type CompletedCheck } from './check-runner.js';
import { Lifecycle, whenServing } from './lifecycle.js';
import { SnapshotPublisher } from './snapshot-publisher.js';
import { StalenessGuard, staleThresholdMs } from './staleness.js';

export type { CompletedCheck } from './check-runner.js';

/**
 * Runs indicators and publishes snapshots. Probes never reach an indicator: in background mode a
 * refresher runs every check under its own timeout and republishes as each result lands, so a hung
 * check delays nobody; probes read `current()`.
 *
 * @internal
 */
@Injectable()
export class HealthEngine implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Health');
  private readonly completedChecks = new Subject<CompletedCheck>();
  private readonly changes = new Subject<HealthTransition>();
  private readonly lifecycle: Lifecycle;
  private runner!: CheckRunner;
  private publisher!: SnapshotPublisher;
  private staleness!: StalenessGuard;
  private refreshedAt = 0;
  private inFlight?: Promise<HealthSnapshot>;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  /** Status transitions of components and groups. */
  readonly changes$: Observable<HealthTransition> = this.changes.asObservable();
  /** Every settled check (for duration and failure metrics). */
  readonly checks$: Observable<CompletedCheck> = this.completedChecks.asObservable();

  constructor(
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
    @Optional() private readonly httpAdapterHost?: HttpAdapterHost,
  ) {
    // Before register() there is nothing to publish yet; register() publishes with this lifecycle.
    this.lifecycle = new Lifecycle(config.drainMs, () => this.publisher && this.publish(Date.now()));
  }

  /** Called once by the explorer with every indicator found and the resolved group members. */
  register(indicators: readonly RegisteredIndicator[], groups: readonly GroupInput[]): void {
    const now = Date.now();
    this.runner = new CheckRunner(indicators, now, (check) => {
      this.publish(Date.now());
      this.completedChecks.next(check);
    });
    this.publisher = new SnapshotPublisher(this.config, groups);
    this.publisher.changes$.subscribe(this.changes);
    this.staleness = new StalenessGuard(staleThresholdMs(this.config, indicators), (snapshot, at) => this.publisher.stale(snapshot, at));
    this.refreshedAt = now;
    // Placeholders, not news: emitted on changes$ but not logged.
    this.publish(now, false);
  }

  async onApplicationBootstrap(): Promise<void> {
    // The app starts listening with real results, never with a tree of UNKNOWNs.
    await this.refresh();
    if (this.config.checkMode === 'background') this.schedule();
    if (this.config.startup === 'auto') whenServing(this.httpAdapterHost, () => this.markStarted());
  }

  /** Drain first: readiness turns OUT_OF_SERVICE while the app still serves, for `drainMs`. */
  beforeApplicationShutdown(): Promise<void> {
    return this.drain();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.publisher?.complete();
    this.changes.complete();
    this.completedChecks.complete();
  }

  /** Start-up is complete: the startup group and readiness follow their members from now on. */
  markStarted(): void {
    this.lifecycle.markStarted();
  }

  /** Readiness OUT_OF_SERVICE (draining) from now on; resolves after `drainMs`. Idempotent. */
  drain(): Promise<void> {
    return this.lifecycle.drain();
  }

  get started(): boolean {
    return this.lifecycle.current.started;
  }

  get draining(): boolean {
    return this.lifecycle.current.draining;
  }

  /** The latest snapshot; if the refresher has stalled, a stale one in which every component is DOWN. */
  current(now = Date.now()): HealthSnapshot {
    const snapshot = this.publisher.latest;
    return this.config.checkMode === 'on-request' ? snapshot : this.staleness.check(snapshot, this.refreshedAt, now);
  }

  /** The snapshot a probe answers from: the latest in background mode, a fresh coalesced one in on-request mode. */
  forProbe(): HealthSnapshot | Promise<HealthSnapshot> {
    return this.config.checkMode === 'on-request' ? this.refresh() : this.current();
  }

  /** Runs every due indicator once; concurrent callers share the same run. */
  refresh(): Promise<HealthSnapshot> {
    this.inFlight ??= this.runAll().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = Math.max(0, this.refreshedAt + this.config.refreshIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.refresh().then(
        () => this.schedule(),
        (error) => {
          this.logger.error(`Health refresh failed: ${errorText(error)}`);
          this.schedule();
        },
      );
    }, delay);
    this.timer.unref();
  }

  private async runAll(): Promise<HealthSnapshot> {
    await this.runner.runDue(Date.now());
    this.refreshedAt = Date.now();
    return this.publish(this.refreshedAt);
  }

  private publish(now: number, log?: boolean): HealthSnapshot {
    return this.publisher.publish(this.runner.results(), now, this.refreshedAt, this.lifecycle.current, log);
  }
}
