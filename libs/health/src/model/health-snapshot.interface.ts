import type { HealthGroupResult } from './health-group.interface.js';
import type { HealthComponent } from './health-component.interface.js';
import type { HealthStatus } from './health-status.js';

/** Timing of one indicator's latest check. */
export interface CheckStats {
  /** When the latest check settled (epoch ms). */
  checkedAt: number;
  durationMs: number;
  /** Whether the latest check threw, timed out or returned an invalid result. */
  failed: boolean;
  /** Checks that failed since the module started. */
  failures: number;
}

/** One immutable published state of every component and group. Probes only ever read these. */
export interface HealthSnapshot {
  /** When this snapshot was assembled (epoch ms). */
  readonly at: number;
  /** When the latest complete refresh of all indicators finished. */
  readonly refreshedAt: number;
  /** True when no refresh completed within `staleAfterMs`: every component then reads DOWN. */
  readonly stale: boolean;
  /** The system status: every component plus the liveness and readiness groups. */
  readonly status: HealthStatus;
  readonly components: Readonly<Record<string, HealthComponent>>;
  readonly groups: Readonly<Record<string, HealthGroupResult>>;
  readonly checks: Readonly<Record<string, CheckStats>>;
  /**
   * Start-up declared complete (see the `startup` option). Why readiness is held is not worked out
   * from this and `draining`: the builder writes it once into the held groups (`details.reason`).
   */
  readonly started: boolean;
  /** Shutting down: readiness and startup are held OUT_OF_SERVICE "draining" until the app closes. */
  readonly draining: boolean;
  /** Readiness has answered 2xx at least once (Zeebe's ready check never turns back). */
  readonly readyReached: boolean;
}

/** Where the app is in its life; holds readiness and startup OUT_OF_SERVICE outside the running phase. */
export interface HealthLifecycle {
  readonly started: boolean;
  readonly draining: boolean;
}

/** A status change of a component (`mqtt/tcp-listener-1883`) or a group (`readiness`). */
export interface HealthTransition {
  kind: 'component' | 'group';
  path: string;
  /** null when the component just appeared. */
  from: HealthStatus | null;
  /** null when the component disappeared. */
  to: HealthStatus | null;
  at: number;
  reason?: string;
}
