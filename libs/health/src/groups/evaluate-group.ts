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
 * - Within `graceMs` of turning DOWN/OUT_OF_SERVICE a member counts as UP for this group.
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
    const counts = withinGrace ? HealthStatus.UP : member.status;
    statuses.push(counts);
    counted[path] = mapping[counts] ?? counts;
  }
  const status = order.worst(statuses);
  return { status: mapping[status] ?? status, components: members, counted };
}
