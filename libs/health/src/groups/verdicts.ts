/**
 * Reading a group's verdict, for everyone who answers from a snapshot (views, the agent-check, metrics,
 * the publisher): whether it fails, its members and why, FluxMQ's readiness mode, why it is held
 * (decided by `holdReason` in evaluate-group.ts and written once by the builder) and the grace left.
 */
import { HELD_GROUPS } from './built-in-groups.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthGroupResult } from '../model/health-group.interface.js';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import { HealthStatus, type HttpStatusMap } from '../model/health-status.js';

/** What a verdict needs of the configuration: the HTTP code of each status. */
export interface StatusCodes {
  readonly httpStatus: HttpStatusMap;
}

/** Whether a status answers with an error code under the configured HTTP map. */
export function isFailing(codes: StatusCodes, component: { status: HealthComponent['status'] }): boolean {
  return codes.httpStatus[component.status] >= 400;
}

export interface ProbeMember {
  path: string;
  component: HealthComponent;
  /** Whether it fails as this group counts it (grace window and mapping applied), not as it reads alone. */
  failing: boolean;
  /** Not started yet (UNKNOWN "starting", itself or below): not failing, but not ready either. */
  starting: boolean;
  /** The short reason (`1/2 peers reachable`, `storage unavailable`). */
  reason?: string;
  /** The raw error text of a failed check, where the indicator gives one. */
  error?: string;
}

/**
 * Root cause order: when several members fail, the first of them in this order is the cause the others follow
 * from: a closed broker takes everything with it, the cluster travels through the same Redis as storage, the
 * listeners serve only a started broker. Members not named here come after, in the group's own order. A member
 * that says which one it waits for (`details['waiting-for']`: a broker not started yet waits for its storage)
 * hands the blame on to it when that one fails too; see rootCause.
 */
export const ROOT_CAUSE_ORDER: readonly string[] = ['broker', 'storage', 'cluster', 'mqtt'];

/** The group's members, each with whether it fails and why, in root cause order (see ROOT_CAUSE_ORDER). */
export function probeMembers(group: HealthGroupResult, codes: StatusCodes): ProbeMember[] {
  const members = Object.entries(group.components).map(([path, component]) => {
    const reason = text(component.details?.reason);
    const error = text(component.details?.error);
    // A member that says nothing itself (`mqtt`) speaks through its first sub-component that is not UP.
    const cause = reason || error ? undefined : subComponentCause(component);
    return {
      path,
      component,
      failing: isFailing(codes, { status: group.counted[path] ?? component.status }),
      starting: isStarting(component),
      reason: reason ?? cause,
      error: error ?? cause,
    };
  });
  return members.sort((a, b) => rootCauseRank(a.path) - rootCauseRank(b.path));
}

/**
 * The failing member the others follow from: the first in root cause order, or, when it waits for another
 * failing member (`details['waiting-for']`), that one, and so on; undefined when none fails.
 */
export function rootCause(members: readonly ProbeMember[]): ProbeMember | undefined {
  let cause = members.find((member) => member.failing);
  const seen = new Set<ProbeMember>();
  while (cause) {
    seen.add(cause);
    const on = cause.component.details?.['waiting-for'];
    const next = members.find((member) => member.failing && member.path === on);
    // Nothing further, or a circle: the last member reached is the cause.
    if (!next || seen.has(next)) break;
    cause = next;
  }
  return cause;
}

/** The failing members, their root cause first, then the others in root cause order. */
export function failingMembers(members: readonly ProbeMember[]): ProbeMember[] {
  const cause = rootCause(members);
  return cause ? [cause, ...members.filter((member) => member.failing && member !== cause)] : [];
}

/** Where the component at `path` (or below it) stands in ROOT_CAUSE_ORDER; the unnamed share the last place. */
export function rootCauseRank(path: string): number {
  const rank = ROOT_CAUSE_ORDER.indexOf(path.split('/')[0]);
  return rank < 0 ? ROOT_CAUSE_ORDER.length : rank;
}

/** Failure texts an indicator puts in a sub-component's details, most specific first. */
const CAUSES = ['reason', 'last-failure', 'last-tls-failure', 'last-startup-failure', 'error'] as const;
const NOT_FAILING: ReadonlySet<HealthStatus> = new Set([HealthStatus.UP, HealthStatus.UNKNOWN]);

/** The failure text a component's own details carry (`reason`, `last-failure`, …, `error`, most specific first). */
export function failureText(component: HealthComponent): string | undefined {
  for (const key of CAUSES) {
    const value = text(component.details?.[key]);
    if (value) return value;
  }
  return undefined;
}

/** `tcp-listener-1883: Failed to bind …` from the first DOWN/DEGRADED sub-component (depth first) that has a text. */
function subComponentCause(component: HealthComponent, prefix = ''): string | undefined {
  for (const [name, child] of Object.entries(component.components ?? {})) {
    if (NOT_FAILING.has(child.status)) continue;
    const path = `${prefix}${name}`;
    const own = failureText(child);
    if (own) return `${path}: ${own}`;
    const deeper = subComponentCause(child, `${path}/`);
    if (deeper) return deeper;
  }
  return undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

/** FluxMQ's readiness mode, also exported as a metric: ready and UP, ready but not UP, or not ready. */
export function readinessMode(snapshot: Pick<HealthSnapshot, 'groups'>, codes: StatusCodes): 'nominal' | 'degraded' | 'not_ready' {
  const readiness = snapshot.groups.readiness;
  if (isFailing(codes, readiness)) return 'not_ready';
  return readiness.status === HealthStatus.UP ? 'nominal' : 'degraded';
}

/**
 * The `details.reason` of a component whose dependency has not started yet (with UNKNOWN), and of a
 * readiness or startup group held until start-up completes; a member that reads so holds its group.
 */
export const STARTING_REASON = 'starting';
/** The `details.reason` of a readiness or startup group held while the app shuts down. */
export const DRAINING_REASON = 'draining';

/** UNKNOWN with reason "starting", here or anywhere below: its dependency has not started, and no check has judged it yet. */
export function isStarting(component: HealthComponent): boolean {
  if (component.status === HealthStatus.UNKNOWN && component.details?.reason === STARTING_REASON) return true;
  return Object.values(component.components ?? {}).some(isStarting);
}

/** Why a held group answers OUT_OF_SERVICE whatever its members say. */
export type HoldReason = typeof STARTING_REASON | typeof DRAINING_REASON;

const HOLD_REASONS: ReadonlySet<string> = new Set<HoldReason>([STARTING_REASON, DRAINING_REASON]);

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

/** The key of a group's details that holds, per member within its grace window, the milliseconds left. */
export const GRACE_REMAINING = 'grace-remaining-ms';

/** The milliseconds of grace left per member, from a group's details; empty when no window runs. */
export function graceRemaining(group: { details?: object }): Readonly<Record<string, number>> {
  const value = (group.details as Record<string, unknown> | undefined)?.[GRACE_REMAINING];
  return typeof value === 'object' && value !== null ? (value as Record<string, number>) : {};
}
