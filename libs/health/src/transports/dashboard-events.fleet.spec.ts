import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Subject } from 'rxjs';
import { FLEET_MEMBER_STATUSES, type FleetMember, type FleetMemberStatus, type FleetSnapshot } from '../model/fleet.interface.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import { HealthStatus } from '../model/health-status.js';
import type { HealthTransition } from '../model/health-snapshot.interface.js';
import { dashboardSnapshot as snapshotOf, healthy, SECRET } from '../testing/health-test-kit.js';
import { fleetBody } from '../views/fleet.view.js';
import { streamDashboard } from './dashboard-events.js';

function member(node: string, status: FleetMemberStatus, components: Record<string, HealthComponent> = {}): FleetMember {
  const own = status === 'UNREACHABLE' || status === 'LEAVING' ? HealthStatus.UP : status;
  const summary = {
    v: 1 as const,
    node,
    status: own,
    state: status === 'LEAVING' ? ('LEAVING' as const) : ('RUNNING' as const),
    groups: { liveness: HealthStatus.UP, readiness: own },
    components: { broker: { status: HealthStatus.UP }, ...components },
    version: '2.1.0',
    updatedAt: '2026-12-07T05:00:00.000Z',
  };
  return {
    node,
    status,
    self: node === 'node-1',
    summary,
    available: status === 'UP',
    ...(status === 'UNREACHABLE' ? { lastSeen: 1000 } : {}),
  };
}

/** A fleet in the shape the library folds: counts of every status, quorum over the members given. */
function fleetOf(...members: FleetMember[]): FleetSnapshot {
  const counts = Object.fromEntries(FLEET_MEMBER_STATUSES.map((status) => [status, 0])) as Record<FleetMemberStatus, number>;
  for (const { status } of members) counts[status] += 1;
  const available = members.filter((m) => m.available).length;
  const needed = Math.floor(members.length / 2) + 1;
  const status = available < needed ? HealthStatus.DOWN : available === members.length ? HealthStatus.UP : HealthStatus.DEGRADED;
  return { at: Date.now(), status, quorum: { members: members.length, available, needed, lost: available < needed }, counts, members };
}

const healthyFleet = () => fleetOf(member('node-1', 'UP'), member('node-2', 'UP'), member('node-3', 'UP'));
const node2Down = (reason = SECRET) =>
  fleetOf(
    member('node-1', 'UP'),
    member('node-2', 'DOWN', { storage: { status: HealthStatus.DOWN, details: { reason } } }),
    member('node-3', 'UP'),
  );

/** A real listener on 127.0.0.1 streaming the dashboard with a fleet the test changes. */
async function serve(options: { showDetails?: boolean; heartbeatMs?: number } = {}) {
  const fleetChanges = new Subject<FleetSnapshot>();
  const live = { fleet: healthyFleet() };
  const server: Server = createServer((request, response) =>
    streamDashboard(
      {
        showDetails: options.showDetails ?? true,
        current: () => snapshotOf(healthy),
        changes$: new Subject<HealthTransition>(),
        fleet: { current: () => live.fleet, changes$: fleetChanges },
        request,
        response,
      },
      options.heartbeatMs,
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  opened.push(server);
  const change = (fleet: FleetSnapshot) => {
    live.fleet = fleet;
    fleetChanges.next(fleet);
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, live, change, fleetChanges };
}

/** The events of one stream, in order, as `[name, data]`. */
async function connect(url: string) {
  const events: [string, Record<string, unknown>][] = [];
  const response = await new Promise<IncomingMessage>((resolve, reject) => get(url, resolve).on('error', reject));
  let buffer = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      const name = lines.find((line) => line.startsWith('event: '))?.slice(7);
      const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
      if (name && data) events.push([name, JSON.parse(data)]);
    }
  });
  const fleets = () => events.filter(([name]) => name === 'fleet').map(([, data]) => data);
  const until = async (count: number) => {
    for (let waited = 0; fleets().length < count; waited += 10) {
      if (waited > 5000) throw new Error(`${fleets().length} fleet events arrived, not ${count}`);
      await sleep(10);
    }
    return fleets();
  };
  opened.push({ close: () => response.destroy() });
  return { events, fleets, until };
}

const opened: { close: () => unknown }[] = [];
afterEach(() => {
  for (const item of opened.splice(0)) item.close();
});

describe('streamDashboard: the fleet', () => {
  it('sends the fleet on connect, after the state, as the body of /fleet for this client', async () => {
    const { url, live } = await serve();
    const stream = await connect(url);
    const [fleet] = await stream.until(1);
    expect(stream.events.map(([name]) => name)).toEqual(['state', 'fleet']);
    expect(fleet).toEqual(JSON.parse(JSON.stringify(fleetBody(live.fleet, true))));
    expect(fleet).toMatchObject({ status: 'UP', node: 'node-1', quorum: { members: 3, available: 3, needed: 2, lost: false } });
    expect(Object.keys(fleet.members as object)).toEqual(['node-1', 'node-2', 'node-3']);
  });

  it('sends one fleet event per burst of changes, with the newest state', async () => {
    const { url, change } = await serve();
    const stream = await connect(url);
    await stream.until(1);
    change(node2Down('disk full'));
    change(node2Down('disk full, 0 bytes left'));
    const [, second] = await stream.until(2);
    await sleep(50);
    expect(stream.fleets()).toHaveLength(2);
    expect(second).toMatchObject({
      status: 'DEGRADED',
      counts: { UP: 2, DOWN: 1 },
      members: {
        'node-2': { status: 'DOWN', components: { storage: { status: 'DOWN', details: { reason: 'disk full, 0 bytes left' } } } },
      },
    });
  });

  it('hides reasons and versions from a client that may not see details, and sends nothing for a change it cannot see', async () => {
    const { url, change } = await serve({ showDetails: false });
    const stream = await connect(url);
    await stream.until(1);
    change(node2Down());
    const [, second] = await stream.until(2);
    expect(second).toMatchObject({ members: { 'node-2': { status: 'DOWN', components: { storage: { status: 'DOWN' } } } } });
    change(node2Down('another reason'));
    await sleep(50);
    expect(stream.fleets()).toHaveLength(2);
    const text = JSON.stringify(stream.events);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('another reason');
    expect(text).not.toContain('"version"');
    expect(text).not.toContain('"reason"');
  });

  it('sends a fleet that changed without an event at the next heartbeat', async () => {
    const { url, live } = await serve({ heartbeatMs: 30 });
    const stream = await connect(url);
    await stream.until(1);
    live.fleet = node2Down();
    const [, second] = await stream.until(2);
    expect(second).toMatchObject({ members: { 'node-2': { status: 'DOWN' } } });
  });

  it('stops listening to the fleet when the client leaves', async () => {
    const { url, fleetChanges } = await serve();
    const stream = await connect(url);
    await stream.until(1);
    expect(fleetChanges.observed).toBe(true);
    opened.pop()!.close();
    for (let waited = 0; fleetChanges.observed && waited < 5000; waited += 10) await sleep(10);
    expect(fleetChanges.observed).toBe(false);
  });
});
