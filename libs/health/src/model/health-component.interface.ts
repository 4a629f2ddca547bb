import type { HealthStatus } from './health-status.js';

export type HealthDetails = Record<string, unknown>;

/** A node of the health tree, exactly as the HiveMQ Health API serialises it. */
export interface HealthComponent {
  status: HealthStatus;
  details?: HealthDetails;
  components?: Record<string, HealthComponent>;
}
