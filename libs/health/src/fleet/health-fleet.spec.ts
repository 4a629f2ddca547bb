import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Subject } from 'rxjs';
import type { HealthEngine } from '../engine/health-engine.js';
import type { FleetPeer, FleetSnapshot, FleetSource, FleetSummary } from '../model/fleet.interface.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import { config, snapshotOf } from '../testing/health-test-kit.js';
import { HealthFleet } from './health-fleet.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

function fleetOver(components: Record<string, HealthComponent>) {
  let snapshot: HealthSnapshot = snapshotOf(components);
  const checks$ = new Subject<unknown>();
  const engine = { current: () => snapshot, checks$, changes$: new Subject() } as unknown as HealthEngine;
  const fleet = new HealthFleet(engine, config);
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
});
