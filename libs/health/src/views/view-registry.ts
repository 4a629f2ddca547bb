import type { ViewName } from '../options/health-options.interface.js';
import { ACTUATOR_VIEW } from './actuator.view.js';
import { DASHBOARD_VIEW } from './dashboard/dashboard.view.js';
import { FLUXMQ_VIEW } from './fluxmq.view.js';
import type { HealthView } from './health-view.interface.js';
import { HIVEMQ_VIEW } from './hivemq.view.js';
import { KUBERNETES_VIEW } from './kubernetes.view.js';
import { METRICS_VIEW } from './metrics.view.js';
import { TERMINUS_VIEW } from './terminus.view.js';
import { ZEEBE_VIEW } from './zeebe.view.js';

/** Every built-in view by the name a listener's `views` option uses. */
export const BUILT_IN_VIEWS: Readonly<Record<ViewName, HealthView>> = {
  hivemq: HIVEMQ_VIEW,
  fluxmq: FLUXMQ_VIEW,
  kubernetes: KUBERNETES_VIEW,
  zeebe: ZEEBE_VIEW,
  actuator: ACTUATOR_VIEW,
  terminus: TERMINUS_VIEW,
  ui: DASHBOARD_VIEW,
  metrics: METRICS_VIEW,
};

/** The names that configuration validation accepts. */
export const VIEW_NAMES: readonly string[] = Object.keys(BUILT_IN_VIEWS);
