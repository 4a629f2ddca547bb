/**
 * Deciding a group's status, for the snapshot builder only: aggregation, grace windows, mappings, and
 * whether start-up or a drain holds it (the reason is then read back through verdicts.ts).
 */
import { HELD_GROUPS } from './built-in-groups.js';
import { DRAINING_REASON, GRACE_REMAINING, isStarting, STARTING_REASON, type HoldReason } from './verdicts.js';
import type { HealthLifecycle } from '../model/health-snapshot.interface.js';
import { findComponent } from '../model/component-tree.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { GroupInput, HealthGroupResult } from '../model/health-group.interface.js';
import { HealthStatus } from '../model/health-status.js';
import type { StatusOrder } from '../model/status-order.js';

const FAILED: ReadonlySet<HealthStatus> = new Set([HealthStatus.DOWN, HealthStatus.OUT_OF_SERVICE]);

/**
 * Aggregates a group from resolved components.
 * - A member whose top-level component is absent (its indicator returned null) is left out.
 * - A member path that does not resolve inside a present component is DOWN: a probe must not pass
 *   on a listener that does not exist.
 * - Within `graceMs` of turning DOWN/OUT_OF_SERVICE a member counts as UP for this group; the group's
 *   details then say how much of each window is left (`grace-remaining-ms`), so a probe body shows
 *   how long before the member counts.
 * - The group's mapping applies to the aggregate (readiness: DEGRADED → DEGRADED_SERVICE, DOWN → OUT_OF_SERVICE).
 */
export function evaluateGroup(
  group: GroupInput,
  components: Readonly<Record<string, HealthComponent>>,
  order: StatusOrder,
  statusSince: (path: string) => number | undefined,
  now: number,
): HealthGroupResult {
  const members: Record<string, HealthComponent> = {};
  const counted: Record<string, HealthStatus> = {};
  const statuses: HealthStatus[] = [];
  const remaining: Record<string, number> = {};
  const { graceMs, mapping } = group.definition;
  for (const path of group.members) {
    const top = path.split('/')[0];
    if (!Object.hasOwn(components, top)) continue;
    const member = findComponent(components, path) ?? {
      status: HealthStatus.DOWN,
      details: { reason: `no component at "${path}"` },
    };
    members[path] = member;
    const grace = typeof graceMs === 'number' ? graceMs : (graceMs[path] ?? 0);
    const since = statusSince(path);
    const withinGrace = grace > 0 && FAILED.has(member.status) && since !== undefined && now - since < grace;
    if (withinGrace) remaining[path] = since + grace - now;
    const counts = withinGrace ? HealthStatus.UP : member.status;
    statuses.push(counts);
    counted[path] = mapping[counts] ?? counts;
  }
  const status = order.worst(statuses);
  const result: HealthGroupResult = { status: mapping[status] ?? status, components: members, counted };
  const graced = Object.keys(remaining);
  if (graced.length) result.details = graceDetails(graced, remaining);
  return result;
}

/** `{ reason: 'grace window running for cluster', 'grace-remaining-ms': { cluster: 1234 } }`. */
export function graceDetails(paths: readonly string[], remaining: Readonly<Record<string, number>>): { reason: string } {
  const details: { reason: string } & Record<string, unknown> = {
    reason: `grace window running for ${paths.join(', ')}`,
    [GRACE_REMAINING]: { ...remaining },
  };
  return details;
}

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
