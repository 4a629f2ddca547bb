export { HealthMetrics, METRIC_PREFIX } from './health-metrics.js';
