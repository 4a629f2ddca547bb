import type { HealthView } from './health-view.interface.js';

/** Prometheus text at `/metrics`, written by the metrics exporter from the request's snapshot. */
export const METRICS_VIEW: HealthView = {
  name: 'metrics',
  defaultPrefix: '',
  routes: [{ path: 'metrics', volatile: true, transport: 'metrics' }],
};
