import type { HealthComponent } from './health-component.interface.js';
import type { HealthStatus } from './health-status.js';

/** Where a node is in its life in the fleet: not started yet, serving, or draining to leave. */
export type FleetNodeState = 'JOINING' | 'RUNNING' | 'LEAVING';

/**
 * What one node shares of its health with the fleet, written only when it changes. Bounded: at most
 * `MAX_SUMMARY_BYTES` as JSON (fleet/fleet-summary.ts). Reasons are kept whole here (masked and cut as
 * in bodies); who may read them is decided when a body is rendered.
 */
export interface FleetSummary {
  /** Format version of this object. */
  readonly v: 1;
  readonly node: string;
  /** The node's system status. */
  readonly status: HealthStatus;
  readonly state: FleetNodeState;
  /** Every group's verdict. */
  readonly groups: Readonly<Record<string, HealthStatus>>;
  /**
   * The node's tree, pruned: every top-level component with its status, and below them only the
   * branches that are not UP, down to the failing components, each with `details.reason`.
   */
  readonly components: Readonly<Record<string, HealthComponent>>;
  /** Failing components left out to stay within the bound. */
  readonly truncated?: number;
  /** The node's version (the `info` component's), when known. */
  readonly version?: string;
  /** When this summary last changed (ISO 8601). */
  readonly updatedAt: string;
}

/** Another member as the fleet's shared store knows it. */
export interface FleetPeer {
  readonly node: string;
  /** Its last summary; undefined while none was read yet (a member that just joined). */
  readonly summary?: FleetSummary;
  /** Heard from within the cluster's peer-detection bound. */
  readonly reachable: boolean;
  /** Announced that it is leaving (its drain began) and is not gone yet. */
  readonly leaving: boolean;
  /** When it was last heard from (epoch ms, this node's clock). */
  readonly lastSeen: number;
}

/**
 * The fleet as an app shares it: the library hands it this node's summary whenever it changes, and
 * reads the other members from memory (never a network call per probe). Given to the library with
 * `HealthService.useFleet(source)`.
 */
export interface FleetSource {
  /** This node's id in the fleet. */
  readonly nodeId: string;
  /** This node's summary changed: store it where the other members read it. Must not throw. */
  share(summary: FleetSummary): void;
  /** Every other member this node knows of; synchronous, from memory. */
  peers(): readonly FleetPeer[];
  /** Calls `listener` whenever `peers()` may read differently; returns what stops it. */
  watch(listener: () => void): () => void;
}

/** A member's status in the fleet: its own, or what the fleet knows of it. */
export type FleetMemberStatus = HealthStatus | 'UNREACHABLE' | 'LEAVING';

export const FLEET_MEMBER_STATUSES: readonly FleetMemberStatus[] = [
  'UP',
  'UNKNOWN',
  'DEGRADED',
  'DEGRADED_SERVICE',
  'DOWN',
  'OUT_OF_SERVICE',
  'UNREACHABLE',
  'LEAVING',
];

export interface FleetMember {
  readonly node: string;
  /** UNREACHABLE when not heard within the bound, LEAVING while it leaves, else its summary's status. */
  readonly status: FleetMemberStatus;
  /** This node. */
  readonly self: boolean;
  /** Its last summary (undefined before one was read). */
  readonly summary?: FleetSummary;
  /** When it was last heard from (epoch ms); only for an UNREACHABLE member. */
  readonly lastSeen?: number;
  /** Counts toward the quorum: reachable, not leaving, and its readiness answers 200. */
  readonly available: boolean;
}

/** One immutable state of the fleet as this node sees it. Fleet routes and metrics only ever read these. */
export interface FleetSnapshot {
  /** When this state was folded (epoch ms). */
  readonly at: number;
  /** UP when every member is UP; DOWN when the quorum is lost; DEGRADED otherwise. */
  readonly status: HealthStatus;
  /** Why the status is not UP. */
  readonly reason?: string;
  readonly quorum: { readonly members: number; readonly available: number; readonly needed: number; readonly lost: boolean };
  /** Members per status; every status present, zeros included. */
  readonly counts: Readonly<Record<FleetMemberStatus, number>>;
  /** Sorted by node id. */
  readonly members: readonly FleetMember[];
}
