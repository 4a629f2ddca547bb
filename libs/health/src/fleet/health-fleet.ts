import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { merge, Subject, type Observable, type Subscription } from 'rxjs';
import { HealthEngine } from '../engine/health-engine.js';
import { errorText } from '../errors/error-text.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import type { FleetPeer, FleetSnapshot, FleetSource, FleetSummary } from '../model/fleet.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import { foldFleet, sameFleet } from './fleet-fold.js';
import { sameStatuses, summarize } from './fleet-summary.js';

/** A summary whose reasons alone changed is taken at most this often. */
export const REASONS_ONLY_EVERY_MS = 10_000;

/**
 * The fleet as this node sees it, kept in memory: this node's summary, refolded with the members its
 * source knows of whenever a check settles, the source says its members changed, or a refresh interval
 * passed (a peer's reachability ages by itself). The summary goes to the source only when it changed,
 * never per probe; a new FleetSnapshot is published only when it reads differently.
 *
 * @internal
 */
@Injectable()
export class HealthFleet implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Health');
  private source?: FleetSource;
  private stopWatching?: () => void;
  private own?: FleetSummary;
  private state?: FleetSnapshot;
  private readonly updates = new Subject<FleetSnapshot>();
  /** Each new state of the fleet, once per change. */
  readonly changes$: Observable<FleetSnapshot> = this.updates.asObservable();
  private readonly settled: Subscription;
  private timer?: NodeJS.Timeout;
  private scheduled = false;
  /** When `own` was adopted, and whether the source has it yet. */
  private adoptedAt = -Infinity;
  private unshared = false;
  private complaint?: string;
  private troubled = false;

  constructor(
    private readonly engine: HealthEngine,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {
    this.settled = merge(engine.checks$, engine.changes$).subscribe(() => this.schedule());
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.update(), this.config.refreshIntervalMs);
    this.timer.unref();
    this.update();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.settled.unsubscribe();
    this.stopWatching?.();
    this.updates.complete();
  }

  /** This node's id in the fleet: the source's, else the host name. */
  get nodeId(): string {
    return this.source?.nodeId ?? hostname();
  }

  /** The fleet's members come from `source` from now on, and this node's summary goes to it. */
  use(source: FleetSource): void {
    this.stopWatching?.();
    this.source = source;
    this.own = undefined;
    this.adoptedAt = -Infinity;
    this.stopWatching = source.watch(() => this.schedule());
    this.update();
  }

  /** The latest state of the fleet. */
  current(): FleetSnapshot {
    if (!this.state) this.update();
    return this.state ?? foldFleet(summarize(this.engine.current(), this.nodeId, Date.now()), [], Date.now());
  }

  /** Several checks settling in one turn refold once. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.update();
    });
  }

  private update(): void {
    this.troubled = false;
    try {
      const now = Date.now();
      const own = this.ownSummary(now);
      if (this.unshared) this.share(own);
      const next = foldFleet(own, this.peers(), now);
      if (!this.troubled) this.complaint = undefined;
      if (this.state && sameFleet(this.state, next)) return;
      this.state = next;
      this.updates.next(next);
    } catch (error) {
      this.complain(`the fleet could not be refolded: ${errorText(error)}`);
    }
  }

  /**
   * This node's summary: a new one at once when a status, state or verdict changed; when only the text of
   * reasons did (a timeout that counts its milliseconds, a failure quoting what a client sent), at most once
   * per REASONS_ONLY_EVERY_MS, so neither the store nor MQTT carries a message per refresh.
   */
  private ownSummary(now: number): FleetSummary {
    const candidate = summarize(this.engine.current(), this.nodeId, now, this.own, this.config.showDetails !== 'never');
    if (candidate === this.own) return candidate;
    if (this.own && now - this.adoptedAt < REASONS_ONLY_EVERY_MS && sameStatuses(this.own, candidate)) return this.own;
    this.own = candidate;
    this.adoptedAt = now;
    this.unshared = true;
    return candidate;
  }

  /** The source's peers; a source that throws leaves this node alone in its fleet, said once. */
  private peers(): readonly FleetPeer[] {
    try {
      return this.source?.peers() ?? [];
    } catch (error) {
      this.complain(`the fleet's source could not list its members: ${errorText(error)}`);
      return [];
    }
  }

  /** A refused summary is offered again with the next refold. */
  private share(summary: FleetSummary): void {
    try {
      this.source?.share(summary);
      this.unshared = false;
    } catch (error) {
      this.complain(`the fleet's store refused this node's summary: ${errorText(error)}`);
    }
  }

  /** Each distinct complaint once, until the fleet folds cleanly again. */
  private complain(line: string): void {
    this.troubled = true;
    if (line === this.complaint) return;
    this.complaint = line;
    this.logger.warn(line);
  }
}
