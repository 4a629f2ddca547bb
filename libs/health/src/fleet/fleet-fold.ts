import {
  FLEET_MEMBER_STATUSES,
  type FleetMember,
  type FleetMemberStatus,
  type FleetPeer,
  type FleetSnapshot,
  type FleetSummary,
} from '../model/fleet.interface.js';
import { HealthStatus, isHealthStatus } from '../model/health-status.js';

/** Readiness verdicts that answer 200: a member with one of these serves its clients. */
const SERVING: ReadonlySet<string> = new Set([HealthStatus.UP, HealthStatus.UNKNOWN, HealthStatus.DEGRADED, HealthStatus.DEGRADED_SERVICE]);
/** Members named in the reason at most. */
const NAMED_IN_REASON = 5;

/**
 * The fleet as this node sees it: itself (its own latest summary) and every peer its store knows of.
 * A peer not heard within the cluster's bound is UNREACHABLE (its last summary kept), one leaving is
 * LEAVING until it is gone, any other reads its summary's status (UNKNOWN before one was read).
 *
 * The verdict: a member is available when reachable, not leaving, and its readiness answers 200. The
 * quorum is a strict majority of the members listed; below it the fleet is DOWN (this node sees too
 * few members serving: most of the fleet failed, or this node is cut off from it). Otherwise UP when
 * every member is UP, else DEGRADED.
 */
export function foldFleet(self: FleetSummary, peers: readonly FleetPeer[], now: number): FleetSnapshot {
  const listed = new Set([self.node]);
  // A node is listed once: this node first, then the first entry a source gives for each peer.
  const unique = peers.filter((peer) => !listed.has(peer.node) && listed.add(peer.node));
  const members = [selfMember(self), ...unique.map(peerMember)];
  members.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  const counts = Object.fromEntries(FLEET_MEMBER_STATUSES.map((status) => [status, 0])) as Record<FleetMemberStatus, number>;
  for (const member of members) counts[member.status]++;
  const available = members.filter((member) => member.available).length;
  const needed = Math.floor(members.length / 2) + 1;
  const lost = available < needed;
  const notUp = members.filter((member) => member.status !== HealthStatus.UP);
  const status = lost ? HealthStatus.DOWN : notUp.length === 0 ? HealthStatus.UP : HealthStatus.DEGRADED;
  return {
    at: now,
    status,
    ...(status === HealthStatus.UP ? {} : { reason: reasonOf(members, notUp, { available, needed, lost }) }),
    quorum: { members: members.length, available, needed, lost },
    counts,
    members,
  };
}

/**
 * Whether two states of the fleet read the same to every reader (routes, metrics, the event stream):
 * a new FleetSnapshot is published only when they do not, so answers cached per state stay valid.
 */
export function sameFleet(a: FleetSnapshot, b: FleetSnapshot): boolean {
  if (a.status !== b.status || a.reason !== b.reason || a.members.length !== b.members.length) return false;
  return a.members.every((member, i) => {
    const other = b.members[i];
    return (
      member.node === other.node &&
      member.status === other.status &&
      member.available === other.available &&
      member.lastSeen === other.lastSeen &&
      member.summary === other.summary
    );
  });
}

function selfMember(summary: FleetSummary): FleetMember {
  const status = summary.state === 'LEAVING' ? 'LEAVING' : summary.status;
  return { node: summary.node, status, self: true, summary, available: summary.state !== 'LEAVING' && serving(summary) };
}

function peerMember(peer: FleetPeer): FleetMember {
  const { node } = peer;
  // A source may hand over anything: what has not a summary's shape counts as no summary yet.
  const summary = shaped(peer.summary);
  if (!peer.reachable) return { node, status: 'UNREACHABLE', self: false, summary, lastSeen: peer.lastSeen, available: false };
  const leaving = peer.leaving || summary?.state === 'LEAVING';
  const status: FleetMemberStatus = leaving ? 'LEAVING' : (summary?.status ?? HealthStatus.UNKNOWN);
  return { node, status, self: false, summary, available: !leaving && summary !== undefined && serving(summary) };
}

function shaped(summary: FleetSummary | undefined): FleetSummary | undefined {
  const ok =
    typeof summary === 'object' &&
    summary !== null &&
    isHealthStatus(summary.status) &&
    typeof summary.groups === 'object' &&
    summary.groups !== null &&
    typeof summary.components === 'object' &&
    summary.components !== null;
  return ok ? summary : undefined;
}

function serving(summary: FleetSummary): boolean {
  return SERVING.has(summary.groups.readiness ?? summary.status);
}

function reasonOf(
  members: readonly FleetMember[],
  notUp: readonly FleetMember[],
  quorum: { available: number; needed: number; lost: boolean },
): string {
  const named = notUp
    .slice(0, NAMED_IN_REASON)
    .map((member) => `${member.node} ${member.status}`)
    .join(', ');
  const more = notUp.length > NAMED_IN_REASON ? ` and ${notUp.length - NAMED_IN_REASON} more` : '';
  const which = `${notUp.length} of ${members.length} members not UP: ${named}${more}`;
  if (!quorum.lost) return which;
  return `quorum lost: ${quorum.available} of ${members.length} members available, ${quorum.needed} needed; ${which}`;
}
