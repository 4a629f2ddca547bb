import type { HealthComponent } from './health-component.interface.js';
import type { HealthStatus } from './health-status.js';

/** A validated group: its own members, the status mapping applied to its aggregate, and grace windows. */
export interface GroupDefinition {
  readonly name: string;
  readonly members: readonly string[];
  readonly mapping: Readonly<Partial<Record<HealthStatus, HealthStatus>>>;
  /** Grace per member path; members not listed have none. */
  readonly graceMs: Readonly<Record<string, number>> | number;
}

export interface GroupInput {
  readonly definition: GroupDefinition;
  /** Member paths: the options' members plus the indicators that joined the group. */
  readonly members: readonly string[];
}

export interface HealthGroupResult {
  status: HealthStatus;
  /**
   * `reason`: why the group is held OUT_OF_SERVICE regardless of its members (`starting`, `draining`;
   * written once by the snapshot builder on the held groups, readiness and startup, and read through
   * `groups/hold.ts`), otherwise which grace windows run. `grace-remaining-ms`: how much of each
   * member's grace window is left while one runs.
   */
  details?: { reason?: string; 'grace-remaining-ms'?: Record<string, number> };
  /** Each member, keyed by the name or path that put it in the group. */
  components: Record<string, HealthComponent>;
  /** The status each member counts for in this group: after its grace window and the group's mapping. */
  counted: Record<string, HealthStatus>;
}
