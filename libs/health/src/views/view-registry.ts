import { METRICS_VIEW } from '../metrics/metrics.view.js';
import { DASHBOARD_VIEW } from '../dashboard/index.js';
import { FLUXMQ_VIEW } from './fluxmq.view.js';
import type { HealthView } from './health-view.interface.js';
import { HIVEMQ_VIEW } from './hivemq.view.js';
import { KUBERNETES_VIEW } from './kubernetes.view.js';
import { ZEEBE_VIEW } from './zeebe.view.js';

export const BUILT_IN_VIEWS: Readonly<Record<string, HealthView>> = {
  hivemq: HIVEMQ_VIEW,
  fluxmq: FLUXMQ_VIEW,
  kubernetes: KUBERNETES_VIEW,
  zeebe: ZEEBE_VIEW,
  ui: DASHBOARD_VIEW,
  metrics: METRICS_VIEW,
};

export type ViewName = 'hivemq' | 'fluxmq' | 'kubernetes' | 'zeebe' | 'ui' | 'metrics';
