export { HealthMetrics, METRIC_PREFIX } from './health-metrics.js';
export { METRICS_VIEW } from './metrics.view.js';
