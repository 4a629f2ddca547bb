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
  /** The short reason (`1/2 peers reachable`, `storage unavailable`). */
  reason?: string;
  /** The raw error text of a failed check, where the indicator gives one. */
  error?: string;
}

/** The group's members, each with whether it fails and why, in member order. */
export function probeMembers(group: HealthGroupResult, codes: StatusCodes): ProbeMember[] {
  return Object.entries(group.components).map(([path, component]) => {
    const reason = text(component.details?.reason);
    const error = text(component.details?.error);
    // A member that says nothing itself (`mqtt`) speaks through its first sub-component that is not UP.
    const cause = reason || error ? undefined : subComponentCause(component);
    return {
      path,
      component,
      failing: isFailing(codes, { status: group.counted[path] ?? component.status }),
      reason: reason ?? cause,
      error: error ?? cause,
    };
  });
}

/** Failure texts an indicator puts in a sub-component's details, most specific first. */
const CAUSES = ['reason', 'last-failure', 'last-tls-failure', 'last-startup-failure', 'error'] as const;
const NOT_FAILING: ReadonlySet<HealthStatus> = new Set([HealthStatus.UP, HealthStatus.UNKNOWN]);

/** `tcp-listener-1883: Failed to bind …` from the first DOWN/DEGRADED sub-component (depth first) that has a text. */
function subComponentCause(component: HealthComponent, prefix = ''): string | undefined {
  for (const [name, child] of Object.entries(component.components ?? {})) {
    if (NOT_FAILING.has(child.status)) continue;
    const path = `${prefix}${name}`;
    for (const key of CAUSES) {
      const value = text(child.details?.[key]);
      if (value) return `${path}: ${value}`;
    }
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
