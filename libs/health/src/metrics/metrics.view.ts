import type { HealthView, ViewContext } from '../views/health-view.interface.js';
import type { ViewResponse } from '../views/view-response.js';

/** Prometheus text exposition of the module's registry at `/metrics`. */
export const METRICS_VIEW: HealthView = {
  name: 'metrics',
  defaultPrefix: '',
  routes: [{ path: 'metrics', volatile: true, render: renderMetrics }],
};

async function renderMetrics({ metrics }: ViewContext): Promise<ViewResponse> {
  const body = await metrics.render();
  return {
    statusCode: 200,
    headers: { 'content-type': metrics.contentType, 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store' },
    body,
  };
}
