import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Observable } from 'rxjs';
import type { FleetSnapshot } from '../model/fleet.interface.js';
import type { HealthSnapshot, HealthTransition } from '../model/health-snapshot.interface.js';
import { dashboardState, EVENT_STREAM_HEADERS, visibleTransition, type DashboardUpdate } from '../views/dashboard/dashboard.view.js';
import { fleetBody } from '../views/fleet.view.js';
import { MAX_UNREAD_BYTES, wireHeaders } from './write-response.js';

/** What the event stream gets: the live state and the raw connection. */
export interface StreamContext {
  readonly showDetails: boolean;
  /** The latest snapshot, read on demand. */
  readonly current: () => HealthSnapshot;
  readonly changes$: Observable<HealthTransition>;
  /** The fleet as this node sees it: its latest state, and each new one. */
  readonly fleet: { readonly current: () => FleetSnapshot; readonly changes$: Observable<FleetSnapshot> };
  readonly request: IncomingMessage;
  /** The stream owns it until the client goes away; the listener closes it at shutdown. */
  readonly response: ServerResponse;
}

export const HEARTBEAT_MS = 15_000;
/** How soon the browser reconnects after losing the stream. */
const RETRY_MS = 2_000;

/** One Server-Sent Event. JSON escapes line breaks, so the data is always a single `data:` line. */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A `fleet` event's frame, serialized once per state of the fleet and details, however many streams send it. */
const fleetFrames = new WeakMap<FleetSnapshot, { shown?: string; hidden?: string }>();
function fleetEvent(fleet: FleetSnapshot, showDetails: boolean): string {
  let frames = fleetFrames.get(fleet);
  if (!frames) fleetFrames.set(fleet, (frames = {}));
  const key = showDetails ? 'shown' : 'hidden';
  return (frames[key] ??= sseEvent('fleet', fleetBody(fleet, showDetails)));
}

/**
 * The `events` stream: the full state and the fleet on connect, then one `state` event per burst of
 * transitions and one `fleet` event (the body of `/fleet` for this client) per burst of fleet changes,
 * each coalesced until the event loop turns. Every `heartbeatMs` the state or the fleet again if it
 * changed since, else a comment, so proxies keep the connection open. While the client has not taken
 * what was written, nothing more is written: it gets the latest of each once it drains, and a stream
 * still not drained at two heartbeats in a row is closed.
 */
export function streamDashboard(context: StreamContext, heartbeatMs = HEARTBEAT_MS): void {
  const { response, showDetails } = context;
  // The client may have left while authorize() was deciding.
  if (response.destroyed) return;
  /** The kinds of event skipped while the client was not reading: each sends its latest once it drains. */
  const behind = new Set<() => void>();
  /** True when the client reads: write now. Else `latest` is sent once it drains. */
  const reading = (latest: () => void): boolean => {
    if (response.writableNeedDrain) {
      behind.add(latest);
      return false;
    }
    behind.delete(latest);
    return true;
  };
  let stalledHeartbeats = 0;
  const send = (chunk: string) => {
    if (response.destroyed || response.writableEnded) return;
    if (response.writableLength > MAX_UNREAD_BYTES) return void response.destroy();
    response.write(chunk);
  };
  let sent: HealthSnapshot | undefined;
  let sentFleet: FleetSnapshot | undefined;
  let sentFleetFrame: string | undefined;
  const sendFleet = () => {
    if (!reading(sendFleet)) return;
    sentFleet = context.fleet.current();
    const frame = fleetEvent(sentFleet, showDetails);
    // A change this client may not see (a reason, with details hidden) reads the same: not sent again.
    if (frame === sentFleetFrame) return;
    sentFleetFrame = frame;
    send(frame);
  };
  const latestState = () => sendState([]);
  const sendState = (transitions: readonly HealthTransition[]) => {
    if (!reading(latestState)) return;
    sent = context.current();
    const update: DashboardUpdate = {
      state: dashboardState(sent, showDetails),
      transitions: transitions.map((t) => visibleTransition(t, showDetails)),
    };
    send(sseEvent('state', update));
  };

  let pending: HealthTransition[] = [];
  let flush: NodeJS.Immediate | undefined;
  let flushFleet: NodeJS.Immediate | undefined;
  // Details (client counts, lag) and staleness change without a transition: the heartbeat carries them.
  const heartbeat = setInterval(() => {
    if (response.writableNeedDrain) {
      if (++stalledHeartbeats >= 2) response.destroy();
      return;
    }
    stalledHeartbeats = 0;
    const stateChanged = context.current() !== sent;
    const fleetChanged = context.fleet.current() !== sentFleet;
    if (stateChanged) sendState([]);
    if (fleetChanged) sendFleet();
    if (!stateChanged && !fleetChanged) send(': heartbeat\n\n');
  }, heartbeatMs).unref();
  response.on('drain', () => {
    for (const latest of [...behind]) latest();
  });
  response.once('close', () => {
    subscription.unsubscribe();
    fleetSubscription.unsubscribe();
    clearInterval(heartbeat);
    clearImmediate(flush);
    clearImmediate(flushFleet);
  });

  response.writeHead(200, wireHeaders(EVENT_STREAM_HEADERS));
  send(`retry: ${RETRY_MS}\n\n`);
  sendState([]);
  sendFleet();
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
  const fleetSubscription = context.fleet.changes$.subscribe(() => {
    flushFleet ??= setImmediate(() => {
      flushFleet = undefined;
      if (context.fleet.current() !== sentFleet) sendFleet();
    });
  });
}
