import { DRAINING_REASON, holdOf, isFailing, readinessHold } from '../groups/verdicts.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import type { HealthView } from './health-view.interface.js';
import { jsonResponse, type ViewResponse } from './view-response.js';

type TerminusIndicator = { status: 'up' | 'down' } & Record<string, unknown>;

/**
 * The body of @nestjs/terminus (`{ status: 'ok' | 'error' | 'shutting_down', info, error, details }`,
 * 200 or 503), so monitors built on Terminus keep working: `/health` for every component,
 * `/health/<group>` for a group's members.
 */
export const TERMINUS_VIEW: HealthView = {
  name: 'terminus',
  defaultPrefix: '',
  routes: [
    {
      path: 'health',
      subtree: true,
      render: ({ snapshot, segments, config, showDetails }) => renderTerminus(snapshot, segments, config, showDetails),
    },
  ],
};

export function renderTerminus(
  snapshot: HealthSnapshot,
  segments: readonly string[],
  config: HealthConfig,
  showDetails: boolean,
): ViewResponse | undefined {
  if (segments.length === 0)
    return terminusBody(snapshot.components, snapshot.status, readinessHold(snapshot) === DRAINING_REASON, config, showDetails);
  if (segments.length !== 1 || !Object.hasOwn(snapshot.groups, segments[0])) return undefined;
  const group = snapshot.groups[segments[0]];
  // A group the drain does not hold (liveness: a drain never fails it) answers from its members.
  return terminusBody(group.components, group.status, holdOf(group) === DRAINING_REASON, config, showDetails, group.counted);
}

function terminusBody(
  components: Readonly<Record<string, HealthComponent>>,
  status: HealthComponent['status'],
  draining: boolean,
  config: HealthConfig,
  showDetails: boolean,
  counted: Readonly<Record<string, HealthComponent['status']>> = {},
): ViewResponse {
  const info: Record<string, TerminusIndicator> = {};
  const error: Record<string, TerminusIndicator> = {};
  const details: Record<string, TerminusIndicator> = {};
  for (const [name, component] of Object.entries(components)) {
    const down = isFailing(config, { status: counted[name] ?? component.status });
    const indicator: TerminusIndicator = { ...(showDetails ? component.details : undefined), status: down ? 'down' : 'up' };
    (down ? error : info)[name] = indicator;
    details[name] = indicator;
  }
  // As Terminus: shutting_down while the app drains, error when anything fails, both with 503.
  const failing = isFailing(config, { status });
  const verdict = draining ? 'shutting_down' : failing ? 'error' : 'ok';
  const code = verdict === 'ok' ? 200 : failing ? config.httpStatus[status] : 503;
  return jsonResponse(code, { status: verdict, info, error, details });
}
