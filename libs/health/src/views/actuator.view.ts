import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import type { HealthView } from './health-view.interface.js';
import { renderHivemq, type StateNames } from './hivemq.view.js';
import type { ViewResponse } from './view-response.js';

/** Spring Boot's names for the probe states among the system's components. */
const SPRING_STATES: StateNames = { liveness: 'livenessState', readiness: 'readinessState' };

/**
 * Spring Boot Actuator's health endpoint, as Zeebe's gateway serves it: `/actuator/health` (status,
 * components with `livenessState` and `readinessState`, groups), `/actuator/health/<group>` and
 * `/actuator/health/<component>/<sub>/...`. The HiveMQ tree API with Spring's names for the states.
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
  return renderHivemq(snapshot, segments, config, showDetails, SPRING_STATES);
}
