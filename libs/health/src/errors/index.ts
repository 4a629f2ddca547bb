export { HealthConfigError, HealthError, HealthIndicatorDefinitionError } from './health.errors.js';
