import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Subject } from 'rxjs';
import type { HealthEngine } from '../engine/health-engine.js';
import type { FleetPeer, FleetSnapshot, FleetSource, FleetSummary } from '../model/fleet.interface.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import { config, snapshotOf } from '../testing/health-test-kit.js';
import { HealthFleet, REASONS_ONLY_EVERY_MS } from './health-fleet.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

function fleetOver(components: Record<string, HealthComponent>, showDetails: typeof config.showDetails = 'always') {
  let snapshot: HealthSnapshot = snapshotOf(components);
  const checks$ = new Subject<unknown>();
  const engine = { current: () => snapshot, checks$, changes$: new Subject() } as unknown as HealthEngine;
  const fleet = new HealthFleet(engine, { ...config, showDetails });
  const states: FleetSnapshot[] = [];
  fleet.changes$.subscribe((state) => states.push(state));
  const set = (next: Record<string, HealthComponent>) => {
    snapshot = snapshotOf(next);
    checks$.next({});
  };
  return { fleet, set, states, settled: () => checks$.next({}) };
}

function sourceOf(peers: FleetPeer[] = []) {
  const shared: FleetSummary[] = [];
  const listeners: (() => void)[] = [];
  const source: FleetSource = {
    nodeId: 'n1',
    share: (summary) => shared.push(summary),
    peers: () => peers,
    watch: (listener) => {
      listeners.push(listener);
      return () => listeners.splice(listeners.indexOf(listener), 1);
    },
  };
  return { source, shared, peers, changed: () => listeners.forEach((listener) => listener()) };
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('HealthFleet', () => {
  it("shares this node's summary once per change, never per settled check", async () => {
    const { fleet, set, settled } = fleetOver({ storage: { status: 'UP' } });
    const { source, shared } = sourceOf();
    fleet.use(source);
    expect(shared.map((s) => [s.node, s.status])).toEqual([['n1', 'UP']]);
    for (let i = 0; i < 20; i++) settled();
    await settle();
    expect(shared).toHaveLength(1);
    set({ storage: { status: 'DOWN', details: { reason: 'disk full' } } });
    await settle();
    expect(shared).toHaveLength(2);
    expect(shared[1].components.storage).toEqual({ status: 'DOWN', details: { reason: 'disk full' } });
  });

  it('refolds when the source says its peers changed, and publishes a new state only when it reads differently', async () => {
    const { fleet, states } = fleetOver({ storage: { status: 'UP' } });
    const peers: FleetPeer[] = [];
    const { source, changed } = sourceOf(peers);
    fleet.use(source);
    const before = states.length;
    changed();
    await settle();
    expect(states).toHaveLength(before);
    peers.push({ node: 'n2', reachable: false, leaving: false, lastSeen: 5 });
    changed();
    await settle();
    expect(states).toHaveLength(before + 1);
    expect(fleet.current().members.map((m) => [m.node, m.status])).toEqual([
      ['n1', 'UP'],
      ['n2', 'UNREACHABLE'],
    ]);
    expect(fleet.current()).toBe(states.at(-1));
  });

  it('is this node alone without a source, under its host name', () => {
    const { fleet } = fleetOver({ storage: { status: 'UP' } });
    const state = fleet.current();
    expect(state.members).toHaveLength(1);
    expect(state.members[0]).toMatchObject({ self: true, node: fleet.nodeId, status: 'UP' });
  });

  it('logs a source that throws, and keeps folding', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { fleet } = fleetOver({ storage: { status: 'UP' } });
    const { source } = sourceOf();
    fleet.use({
      ...source,
      share: () => {
        throw new Error('redis down');
      },
    });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('redis down'));
    expect(fleet.current().members[0].node).toBe('n1');
  });

  it('takes a change of reasons alone at most once per REASONS_ONLY_EVERY_MS, a change of status at once', async () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const { fleet, set } = fleetOver({ storage: { status: 'DOWN', details: { reason: 'timed out after 1500 ms' } } });
    const { source, shared } = sourceOf();
    fleet.use(source);
    now += 1000;
    set({ storage: { status: 'DOWN', details: { reason: 'timed out after 2500 ms' } } });
    await settle();
    expect(shared).toHaveLength(1);
    now += REASONS_ONLY_EVERY_MS;
    set({ storage: { status: 'DOWN', details: { reason: 'timed out after 12500 ms' } } });
    await settle();
    expect(shared.map((s) => s.components.storage.details?.reason)).toEqual(['timed out after 1500 ms', 'timed out after 12500 ms']);
    now += 1000;
    set({ storage: { status: 'UP' } });
    await settle();
    expect(shared.at(-1)!.components.storage).toEqual({ status: 'UP' });
  });

  it('shares no reason of a node that shows details to no one', () => {
    const { fleet } = fleetOver({ storage: { status: 'DOWN', details: { reason: 'disk full' } } }, 'never');
    const { source, shared } = sourceOf();
    fleet.use(source);
    expect(shared[0].components.storage).toEqual({ status: 'DOWN' });
  });

  it('offers a refused summary again, and folds this node alone while the source cannot list its members', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { fleet } = fleetOver({ storage: { status: 'UP' } });
    const shared: FleetSummary[] = [];
    let refuse = true;
    let broken = true;
    fleet.use({
      nodeId: 'n1',
      share: (summary) => {
        if (refuse) throw new Error('store down');
        shared.push(summary);
      },
      peers: () => {
        if (broken) throw new Error('no list');
        return [{ node: 'n2', reachable: true, leaving: false, lastSeen: 0, summary: { status: 'UP' } as FleetSummary }];
      },
      watch: () => () => undefined,
    });
    expect(fleet.current().members.map((m) => m.node)).toEqual(['n1']);
    expect(warn.mock.calls.map(([line]) => line)).toEqual([expect.stringContaining('store down'), expect.stringContaining('no list')]);
    refuse = false;
    broken = false;
    (fleet as unknown as { update(): void }).update();
    expect(shared).toHaveLength(1);
    // A peer whose summary has not a summary's shape reads as one not heard from yet.
    expect(fleet.current().members.map((m) => [m.node, m.status])).toEqual([
      ['n1', 'UP'],
      ['n2', 'UNKNOWN'],
    ]);
  });
});
