import { findComponent, visible } from '../model/component-tree.js';
import { FLEET_MEMBER_STATUSES, type FleetMember, type FleetMemberStatus, type FleetSnapshot } from '../model/fleet.interface.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import { isHealthStatus } from '../model/health-status.js';
import type { HealthConfig } from '../options/health-config.js';
import type { HealthView, ViewContext, ViewRoute } from './health-view.interface.js';
import { errorResponse, jsonResponse, notFound, type ViewResponse } from './view-response.js';

/**
 * The fleet, HiveMQ style: `[]` every member and the verdict (`?status=DOWN,UNREACHABLE` lists only
 * those members), `[node]` one member's summary, `[node, component, ...]` a component its summary holds.
 * Answered from the fleet's state in memory, cached per state like every probe.
 */
export const FLEET_ROUTE: ViewRoute = {
  path: 'fleet',
  subtree: true,
  fleet: true,
  render: renderFleet,
};

/** The fleet routes alone, for listeners without the HiveMQ view (`HEALTH_VIEWS=kubernetes,fleet`): `/fleet`. */
export const FLEET_VIEW: HealthView = {
  name: 'fleet',
  defaultPrefix: 'fleet',
  routes: [{ ...FLEET_ROUTE, path: '' }],
};

const UNKNOWN_STATUS = `unknown status in ?status=; use one or more of ${FLEET_MEMBER_STATUSES.join(', ')}, separated by commas`;
const NO_MEMBER = 'no member of the fleet has this node id';
const NO_COMPONENT = "this member's summary holds no such component: a summary holds the top-level components and those not UP";

export function renderFleet({ fleet, segments, config, showDetails, query }: ViewContext): ViewResponse | undefined {
  if (!fleet) return undefined;
  if (segments.length === 0) {
    const wanted = statusFilter(query);
    if (wanted === 'invalid') return errorResponse(400, UNKNOWN_STATUS);
    const members = wanted ? fleet.members.filter((member) => wanted.has(member.status)) : fleet.members;
    return jsonResponse(config.httpStatus[fleet.status], fleetBody(fleet, showDetails, members));
  }
  const member = fleet.members.find((candidate) => candidate.node === segments[0]);
  if (!member) return notFound(NO_MEMBER);
  if (segments.length === 1) return jsonResponse(memberCode(member.status, config), fleetMemberBody(member, showDetails));
  const component = member.summary && findComponent(member.summary.components, segments.slice(1).join('/'));
  if (!component) return notFound(NO_COMPONENT);
  return jsonResponse(config.httpStatus[component.status], visible(component, showDetails));
}

/** The body of `/fleet`: the verdict, quorum, counts per status and every member (or those `members` lists). */
export function fleetBody(
  fleet: FleetSnapshot,
  showDetails: boolean,
  members: readonly FleetMember[] = fleet.members,
): Record<string, unknown> {
  const self = fleet.members.find((member) => member.self);
  const bodies: Record<string, unknown> = {};
  for (const member of members) bodies[member.node] = fleetMemberBody(member, showDetails);
  return {
    status: fleet.status,
    ...(fleet.reason !== undefined && showDetails ? { reason: fleet.reason } : {}),
    ...(self ? { node: self.node } : {}),
    quorum: fleet.quorum,
    counts: fleet.counts,
    members: bodies,
  };
}

/**
 * One member: its status in the fleet, state, group verdicts, when its summary changed (and when it was
 * last heard, once UNREACHABLE), and its pruned tree; reasons and version only with details. The payload
 * of `$SYS/<node>/health` too.
 */
export function fleetMemberBody(member: FleetMember, showDetails: boolean): Record<string, unknown> {
  const { summary } = member;
  const components: Record<string, HealthComponent> = {};
  for (const [name, component] of Object.entries(summary?.components ?? {})) components[name] = visible(component, showDetails);
  return {
    node: member.node,
    status: member.status,
    ...(summary && summary.status !== member.status ? { 'last-status': summary.status } : {}),
    state: summary?.state ?? 'JOINING',
    groups: summary?.groups ?? {},
    ...(summary ? { 'updated-at': summary.updatedAt } : {}),
    ...(member.lastSeen !== undefined ? { 'last-seen': new Date(member.lastSeen).toISOString() } : {}),
    ...(showDetails && summary?.version !== undefined ? { version: summary.version } : {}),
    components,
    ...(summary?.truncated ? { truncated: summary.truncated } : {}),
  };
}

/** The payload of `$SYS/fleet/health`: the verdict, quorum, counts and each member's status, no reasons. */
export function fleetStatusBody(fleet: FleetSnapshot): Record<string, unknown> {
  const members: Record<string, FleetMemberStatus> = {};
  for (const member of fleet.members) members[member.node] = member.status;
  return { status: fleet.status, quorum: fleet.quorum, counts: fleet.counts, members, 'updated-at': new Date(fleet.at).toISOString() };
}

/** UNREACHABLE and LEAVING answer 503, as DOWN and OUT_OF_SERVICE do; a member's own status as configured. */
function memberCode(status: FleetMemberStatus, config: HealthConfig): number {
  return isHealthStatus(status) ? config.httpStatus[status] : 503;
}

/** The statuses `?status=` names (case-insensitive, comma-separated), undefined when it names none, 'invalid' for an unknown one. */
function statusFilter(query: URLSearchParams | undefined): ReadonlySet<FleetMemberStatus> | undefined | 'invalid' {
  const values = query?.getAll('status');
  if (!values || values.length === 0) return undefined;
  const wanted = new Set<FleetMemberStatus>();
  for (const value of values.flatMap((entry) => entry.split(','))) {
    if (value.trim() === '') continue; // `?status=` and `?status=UP,`: nothing named there
    const status = value.trim().toUpperCase() as FleetMemberStatus;
    if (!FLEET_MEMBER_STATUSES.includes(status)) return 'invalid';
    wanted.add(status);
  }
  return wanted.size === 0 ? undefined : wanted;
}
