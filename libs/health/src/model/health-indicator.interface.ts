import type { HealthComponent } from './health-component.interface.js';

/**
 * What a health indicator class implements. Returning `null` or `undefined` says the component
 * does not apply right now (a cluster check on a single node): it is left out of the tree and of
 * every group, as FluxMQ omits its cluster check in single-node mode.
 */
export interface HealthComponentCheck {
  check(): HealthComponent | null | undefined | Promise<HealthComponent | null | undefined>;
}

export interface HealthIndicatorOptions {
  /** Groups this component joins, besides those that list it in the module options (e.g. `['readiness']`). */
  groups?: string[];
  /** Overrides the module's `timeoutMs` for this check. */
  timeoutMs?: number;
  /** Run this check at most this often (for costly checks); by default on every refresh. */
  intervalMs?: number;
}

export interface HealthIndicatorMetadata extends HealthIndicatorOptions {
  name: string;
}
