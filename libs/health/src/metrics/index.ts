export { HealthMetrics, METRIC_PREFIX, readinessMode } from './health-metrics.js';
export { METRICS_VIEW } from './metrics.view.js';
