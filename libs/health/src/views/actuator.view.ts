import { findComponent } from '../model/component-tree.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import type { HealthView } from './health-view.interface.js';
import { renderComponent, renderGroup, visible } from './hivemq.view.js';
import { jsonResponse, type ViewResponse } from './view-response.js';

/**
 * Spring Boot Actuator's health endpoint, as Zeebe's gateway serves it: `/actuator/health` (status,
 * components with `livenessState` and `readinessState`, groups), `/actuator/health/<group>` and
 * `/actuator/health/<component>/<sub>/...`.
 */
export const ACTUATOR_VIEW: HealthView = {
  name: 'actuator',
  defaultPrefix: 'actuator/health',
  routes: [
    {
      path: '',
      subtree: true,
      render: ({ snapshot, segments, config, showDetails }) => renderActuator(snapshot, segments, config, showDetails),
    },
  ],
};

export function renderActuator(
  snapshot: HealthSnapshot,
  segments: readonly string[],
  config: HealthConfig,
  showDetails: boolean,
): ViewResponse | undefined {
  if (segments.length === 0) return actuatorSystem(snapshot, config, showDetails);
  if (segments.length === 1 && Object.hasOwn(snapshot.groups, segments[0]))
    return renderGroup(snapshot.groups[segments[0]], config, showDetails);
  const component = findComponent(snapshot.components, segments.join('/'));
  return component && renderComponent(component, config, showDetails);
}

function actuatorSystem(snapshot: HealthSnapshot, config: HealthConfig, showDetails: boolean): ViewResponse {
  const components: Record<string, HealthComponent> = {};
  for (const [name, component] of Object.entries(snapshot.components)) components[name] = visible(component, showDetails);
  components.livenessState = { status: snapshot.groups.liveness.status };
  components.readinessState = { status: snapshot.groups.readiness.status };
  return jsonResponse(config.httpStatus[snapshot.status], { status: snapshot.status, components, groups: Object.keys(snapshot.groups) });
}
