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

/** The key of a group's details that holds, per member within its grace window, the milliseconds left. */
export const GRACE_REMAINING = 'grace-remaining-ms';

/** The milliseconds of grace left per member, from a group's details; empty when no window runs. */
export function graceRemaining(group: { details?: object }): Readonly<Record<string, number>> {
  const value = (group.details as Record<string, unknown> | undefined)?.[GRACE_REMAINING];
  return typeof value === 'object' && value !== null ? (value as Record<string, number>) : {};
}
