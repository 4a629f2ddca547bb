import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { Subject } from 'rxjs';
import { FLEET_MEMBER_STATUSES, type FleetSnapshot } from '../model/fleet.interface.js';
import type { HealthTransition } from '../model/health-snapshot.interface.js';
import { HealthStatus } from '../model/health-status.js';
import { dashboardSnapshot as snapshotOf, healthy, SECRET } from '../testing/health-test-kit.js';
import type { DashboardUpdate } from '../views/dashboard/dashboard.view.js';
import { sseEvent, streamDashboard } from './dashboard-events.js';

describe('sseEvent', () => {
  it('frames one event as an event line, a single data line and a blank line', () => {
    const frame = sseEvent('state', { text: 'two\nlines\r\nhere', n: 1 });
    expect(frame).toBe('event: state\ndata: {"text":"two\\nlines\\r\\nhere","n":1}\n\n');
    expect(frame.split('\n')).toHaveLength(4);
    expect(JSON.parse(frame.split('\n')[1].slice('data: '.length))).toEqual({ text: 'two\nlines\r\nhere', n: 1 });
  });
});

/** Enough of a ServerResponse to watch what the stream writes. */
class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  statusCode?: number;
  headers?: Record<string, string>;
  destroyed = false;
  writableEnded = false;
  writableLength = 0;
  writableNeedDrain = false;
  writeHead(statusCode: number, headers: Record<string, string>) {
    this.statusCode = statusCode;
    this.headers = headers;
    return this;
  }
  write(chunk: string) {
    this.chunks.push(chunk);
    return true;
  }
  end() {
    this.writableEnded = true;
    setImmediate(() => this.emit('close'));
    return this;
  }
  destroy() {
    this.destroyed = true;
    setImmediate(() => this.emit('close'));
    return this;
  }
  /** The `state` events written so far. */
  updates(): DashboardUpdate[] {
    return this.events('state') as DashboardUpdate[];
  }
  events(name: string): unknown[] {
    return this.chunks
      .join('')
      .split('\n\n')
      .filter((frame) => frame.startsWith(`event: ${name}\n`))
      .map((frame) => JSON.parse(frame.split('\n')[1].slice('data: '.length)) as unknown);
  }
}

function openStream(options: { showDetails?: boolean; heartbeatMs?: number; response?: FakeResponse } = {}) {
  const changes = new Subject<HealthTransition>();
  const fleetChanges = new Subject<FleetSnapshot>();
  const response = options.response ?? new FakeResponse();
  const live = { snapshot: snapshotOf(healthy), fleet: fleetOf('UP') };
  streamDashboard(
    {
      showDetails: options.showDetails ?? true,
      current: () => live.snapshot,
      changes$: changes.asObservable(),
      fleet: { current: () => live.fleet, changes$: fleetChanges },
      request: {} as IncomingMessage,
      response: response as unknown as ServerResponse,
    },
    options.heartbeatMs,
  );
  return { changes, fleetChanges, response, live };
}

/** A fleet of this node alone (the fleet spec beside this one covers the fleet's events). */
function fleetOf(status: 'UP' | 'DOWN'): FleetSnapshot {
  const counts = Object.fromEntries(FLEET_MEMBER_STATUSES.map((s) => [s, s === status ? 1 : 0])) as FleetSnapshot['counts'];
  const quorum = { members: 1, available: status === 'UP' ? 1 : 0, needed: 1, lost: status !== 'UP' };
  const node1 = { node: 'node-1', status, self: true, available: status === 'UP' };
  return { at: 1, status: status === 'UP' ? HealthStatus.UP : HealthStatus.DOWN, quorum, counts, members: [node1] };
}

const toDown = (path: string, at = 6000): HealthTransition => ({ kind: 'component', path, from: 'UP', to: 'DOWN', at, reason: SECRET });

describe('streamDashboard', () => {
  it('answers with an event stream that starts with the full state', () => {
    const { response } = openStream();
    expect(response.statusCode).toBe(200);
    expect(response.headers!['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(response.headers!['x-content-type-options']).toBe('nosniff');
    expect(response.chunks.join('')).toMatch(/^retry: \d+\n\nevent: state\ndata: \{.*\}\n\nevent: fleet\ndata: \{/);
    const [first] = response.updates();
    expect(first.transitions).toEqual([]);
    expect(first.state.components.broker.status).toBe('UP');
    response.destroy();
  });

  it('coalesces a burst of transitions into one event carrying all of them and the newest state', async () => {
    const { changes, response, live } = openStream();
    live.snapshot = snapshotOf({ ...healthy, broker: { status: 'DOWN' } });
    changes.next(toDown('broker'));
    changes.next({ kind: 'group', path: 'liveness', from: 'UP', to: 'DOWN', at: 6000 });
    changes.next(toDown('mqtt/tcp-listener-1883'));
    expect(response.updates()).toHaveLength(1);
    await new Promise(setImmediate);
    const updates = response.updates();
    expect(updates).toHaveLength(2);
    expect(updates[1].transitions.map((t) => t.path)).toEqual(['broker', 'liveness', 'mqtt/tcp-listener-1883']);
    expect(updates[1].state.components.broker.status).toBe('DOWN');
    changes.next(toDown('storage'));
    await new Promise(setImmediate);
    expect(response.updates()).toHaveLength(3);
    response.destroy();
  });

  it('hides reasons and details from a client that may not see them', async () => {
    const { changes, response } = openStream({ showDetails: false });
    changes.next(toDown('storage'));
    await new Promise(setImmediate);
    expect(response.updates()).toHaveLength(2);
    expect(response.chunks.join('')).not.toContain('hunter2');
    expect(response.chunks.join('')).not.toContain('"details"');
    response.destroy();
  });

  it('sends heartbeat comments, and stops everything when the client leaves', async () => {
    const { changes, fleetChanges, response } = openStream({ heartbeatMs: 20 });
    await sleep(70);
    const beats = response.chunks.filter((c) => c === ': heartbeat\n\n').length;
    expect(beats).toBeGreaterThanOrEqual(2);
    changes.next(toDown('broker'));
    response.destroy();
    await new Promise(setImmediate);
    expect(changes.observed).toBe(false);
    expect(fleetChanges.observed).toBe(false);
    const written = response.chunks.length;
    await sleep(70);
    changes.next(toDown('storage'));
    await new Promise(setImmediate);
    expect(response.chunks.length).toBe(written);
  });

  it('sends the state instead of a heartbeat when the snapshot changed without a transition', async () => {
    const { response, live } = openStream({ heartbeatMs: 20 });
    live.snapshot = snapshotOf({ ...healthy, broker: { status: 'UP', details: { 'node-id': 'node-1', 'connected-clients': 42 } } });
    await sleep(35);
    const updates = response.updates();
    expect(updates).toHaveLength(2);
    expect(updates[1]).toMatchObject({ transitions: [], state: { components: { broker: { details: { 'connected-clients': 42 } } } } });
    await sleep(50);
    expect(response.updates()).toHaveLength(2);
    expect(response.chunks).toContain(': heartbeat\n\n');
    response.destroy();
  });

  it('ends the stream when the module shuts down', async () => {
    const { changes, fleetChanges, response } = openStream();
    changes.complete();
    expect(response.writableEnded).toBe(true);
    await new Promise(setImmediate);
    expect(changes.observed).toBe(false);
    expect(fleetChanges.observed).toBe(false);
  });

  it('does nothing for a client that left before the stream started', () => {
    const gone = new FakeResponse();
    gone.destroyed = true;
    const { changes, fleetChanges, response } = openStream({ response: gone });
    expect(response.statusCode).toBeUndefined();
    expect(response.chunks).toEqual([]);
    expect(changes.observed).toBe(false);
    expect(fleetChanges.observed).toBe(false);
  });

  it('drops a client that stops reading instead of buffering for it', async () => {
    const { changes, response } = openStream();
    response.writableLength = 2 * 1024 * 1024;
    changes.next(toDown('broker'));
    await new Promise(setImmediate);
    expect(response.destroyed).toBe(true);
    expect(response.updates()).toHaveLength(1);
  });

  it('writes nothing while the client has not taken what was written, then the newest state and fleet once it drains', async () => {
    const { changes, fleetChanges, response, live } = openStream({ heartbeatMs: 20 });
    response.writableNeedDrain = true;
    live.snapshot = snapshotOf({ ...healthy, broker: { status: 'DOWN' } });
    changes.next(toDown('broker'));
    changes.next(toDown('storage'));
    live.fleet = fleetOf('DOWN');
    fleetChanges.next(live.fleet);
    await new Promise(setImmediate);
    const written = response.chunks.length;
    await sleep(10);
    expect(response.chunks.length).toBe(written);
    response.writableNeedDrain = false;
    response.emit('drain');
    const updates = response.updates();
    expect(updates).toHaveLength(2);
    expect(updates[1].state.components.broker.status).toBe('DOWN');
    expect(response.events('fleet')).toMatchObject([{ status: 'UP' }, { status: 'DOWN', quorum: { lost: true } }]);
    expect(response.destroyed).toBe(false);
    response.destroy();
  });

  it('closes a stream whose client has read nothing for two heartbeats', async () => {
    const { response } = openStream({ heartbeatMs: 20 });
    response.writableNeedDrain = true;
    const written = response.chunks.length;
    await sleep(70);
    expect(response.destroyed).toBe(true);
    expect(response.chunks.length).toBe(written);
  });
});
