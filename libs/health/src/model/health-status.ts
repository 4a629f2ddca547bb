/** The six statuses of the HiveMQ Health API. */
export const HealthStatus = {
  UP: 'UP',
  UNKNOWN: 'UNKNOWN',
  DEGRADED: 'DEGRADED',
  DEGRADED_SERVICE: 'DEGRADED_SERVICE',
  DOWN: 'DOWN',
  OUT_OF_SERVICE: 'OUT_OF_SERVICE',
} as const;
export type HealthStatus = (typeof HealthStatus)[keyof typeof HealthStatus];

export const HEALTH_STATUSES: readonly HealthStatus[] = Object.values(HealthStatus);

/**
 * Most severe first. UNKNOWN ranks below UP (as in Spring Boot): a component that cannot tell
 * does not hide a healthy sibling, and an all-UNKNOWN tree stays UNKNOWN.
 */
export const DEFAULT_STATUS_ORDER: readonly HealthStatus[] = [
  HealthStatus.DOWN,
  HealthStatus.OUT_OF_SERVICE,
  HealthStatus.DEGRADED_SERVICE,
  HealthStatus.DEGRADED,
  HealthStatus.UP,
  HealthStatus.UNKNOWN,
];

/** The HTTP code each status answers with; a code of 400 or more fails a probe. */
export type HttpStatusMap = Readonly<Record<HealthStatus, number>>;

export const DEFAULT_HTTP_STATUS: HttpStatusMap = {
  UP: 200,
  UNKNOWN: 200,
  DEGRADED: 200,
  DEGRADED_SERVICE: 200,
  DOWN: 503,
  OUT_OF_SERVICE: 503,
};

/** The readiness group's mapping, from the HiveMQ Health API. */
export const READINESS_MAPPING: Readonly<Partial<Record<HealthStatus, HealthStatus>>> = {
  DEGRADED: HealthStatus.DEGRADED_SERVICE,
  DOWN: HealthStatus.OUT_OF_SERVICE,
};

export function isHealthStatus(value: unknown): value is HealthStatus {
  return typeof value === 'string' && (HEALTH_STATUSES as readonly string[]).includes(value);
}
