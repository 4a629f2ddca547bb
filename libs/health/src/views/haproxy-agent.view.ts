import { DRAINING_REASON, failingMembers, isFailing, probeMembers, readinessHold } from '../groups/verdicts.js';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import { HealthStatus } from '../model/health-status.js';
import type { HealthConfig } from '../options/health-config.js';

/**
 * HAProxy's agent-check answer from the readiness group. A degraded node keeps serving but gets a
 * smaller share of new clients instead of all or none:
 * UP → `up ready 100%`; degraded → `up ready <degradedWeightPercent>%`; draining → `drain`;
 * starting (not started, or a member still starting) or OUT_OF_SERVICE → `down`. Each with a short
 * `#reason` (names only, never error text); failing members are named root cause first
 * (`down #storage,cluster unavailable`, `down #starting: storage,broker unavailable`; see rootCause).
 */
export function haproxyAgentReply(snapshot: HealthSnapshot, config: HealthConfig): string {
  const hold = readinessHold(snapshot);
  if (hold === DRAINING_REASON) return `drain #${hold}\n`;
  const readiness = snapshot.groups.readiness;
  const members = probeMembers(readiness, config);
  const failed = failingMembers(members).map((m) => m.path);
  // Starting, and already a cause to name: `down #starting: storage,broker unavailable`.
  if (hold) return `down #${hold}${failed.length ? `: ${failed.join(',')} unavailable` : ''}\n`;
  if (isFailing(config, readiness)) {
    return `down #${failed.length ? `${failed.join(',')} unavailable` : readiness.status.toLowerCase()}\n`;
  }
  if (readiness.status === HealthStatus.UP) return 'up ready 100%\n';
  const degraded = members.filter((m) => m.component.status !== HealthStatus.UP).map((m) => m.path);
  return `up ready ${config.agentCheck.degradedWeightPercent}% #degraded: ${degraded.join(',') || readiness.status.toLowerCase()}\n`;
}
