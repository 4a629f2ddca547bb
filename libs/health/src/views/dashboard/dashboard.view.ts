import type { HealthComponent } from '../../model/health-component.interface.js';
import type { HealthSnapshot, HealthTransition } from '../../model/health-snapshot.interface.js';
import type { HealthView } from '../health-view.interface.js';
import { groupBody, visible } from '../hivemq.view.js';
import { bodyResponse, type ViewResponse } from '../view-response.js';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard.page.js';
import { FLEET_CSP, FLEET_HTML } from './fleet.page.js';

/** What the page shows: the HiveMQ system and group answers, as this client may see them. */
export interface DashboardState extends Pick<HealthSnapshot, 'status' | 'at' | 'stale' | 'started' | 'draining'> {
  readonly showDetails: boolean;
  readonly components: Readonly<Record<string, HealthComponent>>;
  readonly groups: Readonly<Record<string, HealthComponent>>;
}

/** The payload of every `state` event: on connect no transitions, then those that caused the update. */
export interface DashboardUpdate {
  readonly state: DashboardState;
  readonly transitions: readonly HealthTransition[];
}

const page = (html: string, csp: string): ViewResponse =>
  bodyResponse(200, 'text/html; charset=utf-8', html, { 'content-security-policy': csp, 'referrer-policy': 'no-referrer' });
const NODE_PAGE = page(DASHBOARD_HTML, DASHBOARD_CSP);
const FLEET_PAGE = page(FLEET_HTML, FLEET_CSP);

export const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  // Tells nginx not to buffer the stream.
  'x-accel-buffering': 'no',
};

/**
 * Live pages fed by one Server-Sent Events stream (transports/dashboard-events): this node's tree, groups
 * and transitions at the prefix (`state` events), the fleet's members at `fleet` (`fleet` events).
 */
export const DASHBOARD_VIEW: HealthView = {
  name: 'ui',
  defaultPrefix: 'ui',
  routes: [
    { path: '', render: () => NODE_PAGE },
    { path: 'fleet', render: () => FLEET_PAGE },
    // GET streams; HEAD gets the stream's headers.
    { path: 'events', render: () => ({ statusCode: 200, headers: EVENT_STREAM_HEADERS }), transport: 'event-stream' },
  ],
};

/** Built with the HiveMQ view's pieces, so the page never shows more than the JSON API would to the same client. */
export function dashboardState(snapshot: HealthSnapshot, showDetails: boolean): DashboardState {
  const components: Record<string, HealthComponent> = {};
  for (const [name, component] of Object.entries(snapshot.components)) components[name] = visible(component, showDetails);
  const groups: Record<string, HealthComponent> = {};
  for (const [name, group] of Object.entries(snapshot.groups)) groups[name] = groupBody(group, showDetails);
  const { status, at, stale, started, draining } = snapshot;
  return { status, at, stale, started, draining, showDetails, components, groups };
}

/** A transition's reason is a component's `details.reason`: hidden with the details. */
export function visibleTransition(transition: HealthTransition, showDetails: boolean): HealthTransition {
  if (showDetails || transition.reason === undefined) return transition;
  const { reason: _hidden, ...rest } = transition;
  return rest;
}
