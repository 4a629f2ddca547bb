/** Validated, defaulted configuration (HealthConfig). */
export const HEALTH_CONFIG = Symbol('HEALTH_CONFIG');
