import type { HealthGroupResult } from '../groups/evaluate-group.js';
import type { HealthConfig } from '../options/health-config.js';
import type { HealthComponent } from '../status/health-component.interface.js';

/** Whether a status answers with an error code under the configured HTTP map. */
export function isFailing(config: HealthConfig, component: { status: HealthComponent['status'] }): boolean {
  return config.httpStatus[component.status] >= 400;
}

/** The group's members, each with whether it fails and its short reason, in member order. */
export function probeMembers(group: HealthGroupResult, config: HealthConfig): { path: string; component: HealthComponent; failing: boolean; reason?: string }[] {
  return Object.entries(group.components).map(([path, component]) => ({
    path,
    component,
    failing: isFailing(config, component),
    reason: typeof component.details?.reason === 'string' ? component.details.reason : undefined,
  }));
}
