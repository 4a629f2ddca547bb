import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthGroupResult } from '../model/health-group.interface.js';
import type { HealthLifecycle, HealthSnapshot } from '../model/health-snapshot.interface.js';
import { HealthStatus } from '../model/health-status.js';
import { HELD_GROUPS } from './built-in-groups.js';

/**
 * The `details.reason` of a component whose dependency has not started yet (with UNKNOWN), and of a
 * readiness or startup group held until start-up completes; a member that reads so holds its group.
 */
export const STARTING_REASON = 'starting';
/** The `details.reason` of a readiness or startup group held while the app shuts down. */
export const DRAINING_REASON = 'draining';

/** Why a held group answers OUT_OF_SERVICE whatever its members say. */
export type HoldReason = typeof STARTING_REASON | typeof DRAINING_REASON;

const HOLD_REASONS: ReadonlySet<string> = new Set<HoldReason>([STARTING_REASON, DRAINING_REASON]);

/**
 * Why a held group is held, or undefined: shutting down first (the node is leaving, started or not),
 * then not started yet, then a member still starting (UNKNOWN "starting", which would otherwise count
 * as healthy).
 */
export function holdReason(lifecycle: HealthLifecycle, members: Readonly<Record<string, HealthComponent>>): HoldReason | undefined {
  if (lifecycle.draining) return DRAINING_REASON;
  if (!lifecycle.started) return STARTING_REASON;
  return Object.values(members).some(isStarting) ? STARTING_REASON : undefined;
}

/** The groups with each held one OUT_OF_SERVICE and its reason in `details.reason`; liveness and custom groups untouched. */
export function holdGroups(
  groups: Readonly<Record<string, HealthGroupResult>>,
  lifecycle: HealthLifecycle,
): Record<string, HealthGroupResult> {
  const held: Record<string, HealthGroupResult> = { ...groups };
  for (const name of HELD_GROUPS) {
    const group = groups[name];
    const reason = group && holdReason(lifecycle, group.components);
    if (reason) held[name] = { ...group, status: HealthStatus.OUT_OF_SERVICE, details: { ...group.details, reason } };
  }
  return held;
}

/** Why this group is held, as the snapshot builder wrote it; undefined when it follows its members. */
export function holdOf(group: Pick<HealthGroupResult, 'details'> | undefined): HoldReason | undefined {
  const reason = group?.details?.reason;
  return reason !== undefined && HOLD_REASONS.has(reason) ? (reason as HoldReason) : undefined;
}

/** Why the node is held out of rotation: the hold of its readiness group. */
export function readinessHold(snapshot: Pick<HealthSnapshot, 'groups'>): HoldReason | undefined {
  return holdOf(snapshot.groups.readiness);
}

/**
 * Every reason readiness is held for, in the API server's order (its post-start hooks, then its
 * shutdown): a drain that begins before start-up completed is held for both, so excluding one of them
 * never passes a node that has not started.
 */
export function readinessHolds(snapshot: Pick<HealthSnapshot, 'groups' | 'started'>): HoldReason[] {
  const hold = readinessHold(snapshot);
  if (hold === DRAINING_REASON && !snapshot.started) return [STARTING_REASON, DRAINING_REASON];
  return hold ? [hold] : [];
}

/**
 * Why the held group that the component at `path` belongs to (as a member, inside one, or holding
 * one below it) is held; undefined when no held group counts it.
 */
export function memberHold(snapshot: Pick<HealthSnapshot, 'groups'>, path: string): HoldReason | undefined {
  for (const name of HELD_GROUPS) {
    const group = snapshot.groups[name];
    const reason = holdOf(group);
    if (reason && Object.keys(group.components).some((member) => overlaps(member, path))) return reason;
  }
  return undefined;
}

function overlaps(member: string, path: string): boolean {
  return path === member || path.startsWith(`${member}/`) || member.startsWith(`${path}/`);
}

/** UNKNOWN with reason "starting", here or anywhere below. */
export function isStarting(component: HealthComponent): boolean {
  if (component.status === HealthStatus.UNKNOWN && component.details?.reason === STARTING_REASON) return true;
  return Object.values(component.components ?? {}).some(isStarting);
}
