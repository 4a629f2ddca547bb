import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import type { HealthGroupResult } from '../model/health-group.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import { HealthStatus } from '../model/health-status.js';

/** Whether a status answers with an error code under the configured HTTP map. */
export function isFailing(config: HealthConfig, component: { status: HealthComponent['status'] }): boolean {
  return config.httpStatus[component.status] >= 400;
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
export function probeMembers(group: HealthGroupResult, config: HealthConfig): ProbeMember[] {
  return Object.entries(group.components).map(([path, component]) => ({
    path,
    component,
    failing: isFailing(config, { status: group.counted[path] ?? component.status }),
    reason: text(component.details?.reason),
    error: text(component.details?.error),
  }));
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

/** FluxMQ's readiness mode, also exported as a metric: ready and UP, ready but not UP, or not ready. */
export function readinessMode(snapshot: HealthSnapshot, config: HealthConfig): 'nominal' | 'degraded' | 'not_ready' {
  const readiness = snapshot.groups.readiness;
  if (isFailing(config, readiness)) return 'not_ready';
  return readiness.status === HealthStatus.UP ? 'nominal' : 'degraded';
}
