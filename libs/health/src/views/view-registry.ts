import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import type { ViewName } from '../options/health-options.interface.js';
import type { GroupAliases } from '../options/transport-options.js';
import { ACTUATOR_VIEW } from './actuator.view.js';
import { DASHBOARD_VIEW } from './dashboard/dashboard.view.js';
import { FLEET_VIEW } from './fleet.view.js';
import { FLUXMQ_VIEW } from './fluxmq.view.js';
import type { HealthView, ViewContext } from './health-view.interface.js';
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
  fleet: FLEET_VIEW,
};

/** The names that configuration validation accepts. */
export const VIEW_NAMES: readonly string[] = Object.keys(BUILT_IN_VIEWS);

/**
 * The view named, answering its liveness, readiness or startup routes from the groups `aliases` names
 * (`{ liveness: 'zeebe-liveness' }`): each route reads a snapshot whose group of that name is the one
 * named, so a route and the state the view's system answer shows always come from the same group.
 */
export function mountView(name: ViewName, aliases?: GroupAliases): HealthView {
  const view = BUILT_IN_VIEWS[name];
  if (!aliases || Object.keys(aliases).length === 0) return view;
  const seen = new WeakMap<HealthSnapshot, HealthSnapshot>();
  const aliased = (snapshot: HealthSnapshot): HealthSnapshot => {
    let result = seen.get(snapshot);
    if (!result) {
      const groups = { ...snapshot.groups };
      for (const [role, group] of Object.entries(aliases)) if (snapshot.groups[group]) groups[role] = snapshot.groups[group];
      result = { ...snapshot, groups };
      seen.set(snapshot, result);
    }
    return result;
  };
  const routes = view.routes.map((route) => {
    const render = route.render;
    return render ? { ...route, render: (context: ViewContext) => render({ ...context, snapshot: aliased(context.snapshot) }) } : route;
  });
  return { ...view, routes };
}
