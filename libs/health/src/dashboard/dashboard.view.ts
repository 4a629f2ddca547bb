import type { HealthSnapshot, HealthTransition } from '../engine/health-snapshot.interface.js';
import type { HealthComponent } from '../status/health-component.interface.js';
import type { HealthView, StreamContext } from '../views/health-view.interface.js';
import { groupBody, visible } from '../views/hivemq.view.js';
import type { ViewResponse } from '../views/view-response.js';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard.page.js';

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

export const HEARTBEAT_MS = 15_000;
/** How soon the browser reconnects after losing the stream. */
const RETRY_MS = 2_000;
/** A client that stops reading is dropped once this much is buffered for it, rather than buffered without end. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

const PAGE: ViewResponse = {
  statusCode: 200,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(DASHBOARD_HTML)),
    'cache-control': 'no-store',
    'content-security-policy': DASHBOARD_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  },
  body: DASHBOARD_HTML,
};

const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // Tells nginx not to buffer the stream.
  'x-accel-buffering': 'no',
};

/** A live page of the health tree, groups and transitions, fed by Server-Sent Events. Dedicated listeners only. */
export const DASHBOARD_VIEW: HealthView = {
  name: 'ui',
  defaultPrefix: 'ui',
  routes: [
    { path: '', render: () => PAGE },
    // GET streams; HEAD gets the stream's headers.
    { path: 'events', render: () => ({ statusCode: 200, headers: EVENT_STREAM_HEADERS }), stream: (context) => streamDashboard(context) },
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

/** One Server-Sent Event. JSON escapes line breaks, so the data is always a single `data:` line. */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The `events` stream: the full state on connect, then one `state` event per burst of transitions
 * (coalesced until the event loop turns). Every `heartbeatMs` the state again if the snapshot has
 * changed since, else a comment, so proxies keep the connection open.
 */
export function streamDashboard(context: StreamContext, heartbeatMs = HEARTBEAT_MS): void {
  const { response, showDetails } = context;
  // The client may have left while authorize() was deciding.
  if (response.destroyed) return;
  const send = (chunk: string) => {
    if (response.destroyed || response.writableEnded) return;
    if (response.writableLength > MAX_BUFFERED_BYTES) return void response.destroy();
    response.write(chunk);
  };
  let sent: HealthSnapshot | undefined;
  const sendState = (transitions: readonly HealthTransition[]) => {
    sent = context.current();
    const update: DashboardUpdate = { state: dashboardState(sent, showDetails), transitions: transitions.map((t) => visibleTransition(t, showDetails)) };
    send(sseEvent('state', update));
  };

  let pending: HealthTransition[] = [];
  let flush: NodeJS.Immediate | undefined;
  // Details (client counts, lag) and staleness change without a transition: the heartbeat carries them.
  const heartbeat = setInterval(() => (context.current() === sent ? send(': heartbeat\n\n') : sendState([])), heartbeatMs).unref();
  response.once('close', () => {
    subscription.unsubscribe();
    clearInterval(heartbeat);
    clearImmediate(flush);
  });

  response.writeHead(200, EVENT_STREAM_HEADERS);
  send(`retry: ${RETRY_MS}\n\n`);
  sendState([]);
  const subscription = context.changes$.subscribe({
    next: (transition) => {
      pending.push(transition);
      flush ??= setImmediate(() => {
        const batch = pending;
        pending = [];
        flush = undefined;
        sendState(batch);
      });
    },
    // The module is shutting down.
    complete: () => response.end(),
  });
}
