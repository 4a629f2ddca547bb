import type { HealthComponentCheck } from './health-indicator.interface.js';

/** An indicator as the explorer found and validated it. */
export interface RegisteredIndicator {
  readonly name: string;
  readonly className: string;
  readonly instance: HealthComponentCheck;
  readonly groups: readonly string[];
  readonly timeoutMs: number;
  readonly intervalMs: number;
}
