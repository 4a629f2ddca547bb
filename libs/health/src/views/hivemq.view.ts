import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import { findComponent, visible } from '../model/component-tree.js';
import type { HealthGroupResult } from '../model/health-group.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthView } from './health-view.interface.js';
import { FLEET_ROUTE } from './fleet.view.js';
import { jsonResponse, type ViewResponse } from './view-response.js';

export { visible };

/** The HiveMQ Health API: the system, groups and every node of the tree below the prefix. */
export const HIVEMQ_VIEW: HealthView = {
  name: 'hivemq',
  defaultPrefix: 'api/v1/health',
  routes: [
    {
      path: '',
      subtree: true,
      render: ({ snapshot, segments, config, showDetails }) => renderHivemq(snapshot, segments, config, showDetails),
    },
    FLEET_ROUTE,
  ],
};

/** What the system answer calls the liveness and readiness states among its components. */
export interface StateNames {
  readonly liveness: string;
  readonly readiness: string;
}

const HIVEMQ_STATES: StateNames = { liveness: 'liveness-state', readiness: 'readiness-state' };

/** The system answer: every component, the liveness/readiness states, and the group names. */
export function renderSystem(snapshot: HealthSnapshot, config: HealthConfig, showDetails: boolean, states = HIVEMQ_STATES): ViewResponse {
  const components: Record<string, HealthComponent> = {};
  for (const [name, component] of Object.entries(snapshot.components)) components[name] = visible(component, showDetails);
  components[states.liveness] = { status: snapshot.groups.liveness.status };
  components[states.readiness] = { status: snapshot.groups.readiness.status };
  return jsonResponse(config.httpStatus[snapshot.status], { status: snapshot.status, components, groups: Object.keys(snapshot.groups) });
}

export function renderGroup(
  group: Pick<HealthGroupResult, 'status' | 'details' | 'components'>,
  config: HealthConfig,
  showDetails: boolean,
): ViewResponse {
  return jsonResponse(config.httpStatus[group.status], groupBody(group, showDetails));
}

/** A group as the HiveMQ API shows it: its status, its hold reason, and its members keyed by path. */
export function groupBody(group: Pick<HealthGroupResult, 'status' | 'details' | 'components'>, showDetails: boolean): HealthComponent {
  const body: HealthComponent = { status: group.status };
  if (group.details && showDetails) body.details = group.details;
  const members = Object.entries(group.components);
  if (members.length > 0) {
    body.components = {};
    for (const [path, component] of members) body.components[path] = visible(component, showDetails);
  }
  return body;
}

export function renderComponent(component: HealthComponent, config: HealthConfig, showDetails: boolean): ViewResponse {
  return jsonResponse(config.httpStatus[component.status], visible(component, showDetails));
}

/**
 * The HiveMQ tree API below the prefix: `[]` is the system, `[group]` a group, and
 * `[component, sub, ...]` any node of the tree. Undefined when nothing is there.
 */
export function renderHivemq(
  snapshot: HealthSnapshot,
  segments: readonly string[],
  config: HealthConfig,
  showDetails: boolean,
  states = HIVEMQ_STATES,
): ViewResponse | undefined {
  if (segments.length === 0) return renderSystem(snapshot, config, showDetails, states);
  if (segments.length === 1 && Object.hasOwn(snapshot.groups, segments[0]))
    return renderGroup(snapshot.groups[segments[0]], config, showDetails);
  const component = findComponent(snapshot.components, segments.join('/'));
  return component && renderComponent(component, config, showDetails);
}
