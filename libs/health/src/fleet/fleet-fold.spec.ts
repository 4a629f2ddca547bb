import { describe, expect, it } from '@jest/globals';
import type { FleetPeer, FleetSummary } from '../model/fleet.interface.js';
import { foldFleet, sameFleet } from './fleet-fold.js';

function summary(node: string, status: FleetSummary['status'] = 'UP', extra: Partial<FleetSummary> = {}): FleetSummary {
  return {
    v: 1,
    node,
    status,
    state: 'RUNNING',
    groups: { liveness: 'UP', readiness: status },
    components: {},
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

const peer = (node: string, extra: Partial<FleetPeer> = {}): FleetPeer => ({
  node,
  summary: summary(node),
  reachable: true,
  leaving: false,
  lastSeen: 5000,
  ...extra,
});

describe('foldFleet', () => {
  it('is UP with every member UP, sorted by node id, counting every status', () => {
    const fleet = foldFleet(summary('n2'), [peer('n3'), peer('n1')], 7000);
    expect(fleet.status).toBe('UP');
    expect(fleet.reason).toBeUndefined();
    expect(fleet.members.map((m) => [m.node, m.status, m.self])).toEqual([
      ['n1', 'UP', false],
      ['n2', 'UP', true],
      ['n3', 'UP', false],
    ]);
    expect(fleet.counts).toEqual({
      UP: 3,
      UNKNOWN: 0,
      DEGRADED: 0,
      DEGRADED_SERVICE: 0,
      DOWN: 0,
      OUT_OF_SERVICE: 0,
      UNREACHABLE: 0,
      LEAVING: 0,
    });
    expect(fleet.quorum).toEqual({ members: 3, available: 3, needed: 2, lost: false });
  });

  it('shows a silent peer UNREACHABLE with its last summary and last-seen time, and a leaving one LEAVING', () => {
    const fleet = foldFleet(summary('n1'), [peer('n2', { reachable: false, lastSeen: 1234 }), peer('n3', { leaving: true })], 7000);
    const [, n2, n3] = fleet.members;
    expect(n2).toMatchObject({ status: 'UNREACHABLE', lastSeen: 1234, available: false, summary: summary('n2') });
    expect(n3).toMatchObject({ status: 'LEAVING', available: false });
    expect(n3.lastSeen).toBeUndefined();
  });

  it('is DEGRADED when any member is not UP, naming them', () => {
    const fleet = foldFleet(summary('n1'), [peer('n2', { summary: summary('n2', 'DOWN') }), peer('n3'), peer('n4'), peer('n5')], 0);
    expect(fleet.status).toBe('DEGRADED');
    expect(fleet.reason).toBe('1 of 5 members not UP: n2 DOWN');
    expect(fleet.quorum).toMatchObject({ available: 4, needed: 3, lost: false });
  });

  it('is DOWN when fewer than a majority of the members are available: the quorum is lost', () => {
    const fleet = foldFleet(summary('n1'), [peer('n2', { reachable: false }), peer('n3', { summary: summary('n3', 'DOWN') })], 0);
    expect(fleet.status).toBe('DOWN');
    expect(fleet.quorum).toEqual({ members: 3, available: 1, needed: 2, lost: true });
    expect(fleet.reason).toMatch(/^quorum lost: 1 of 3 members available, 2 needed; 2 of 3 members not UP: n2 UNREACHABLE, n3 DOWN$/);
  });

  it('counts a DEGRADED member as available (its readiness answers 200), a starting one (no summary yet) as not', () => {
    const fleet = foldFleet(summary('n1', 'DEGRADED'), [peer('n2', { summary: undefined })], 0);
    expect(fleet.members.map((m) => [m.status, m.available])).toEqual([
      ['DEGRADED', true],
      ['UNKNOWN', false],
    ]);
    expect(fleet.quorum.lost).toBe(true);
  });

  it('shows this node LEAVING while it drains, and lists each node once whatever the source repeats', () => {
    const fleet = foldFleet(
      summary('n1', 'OUT_OF_SERVICE', { state: 'LEAVING' }),
      [peer('n1'), peer('n2'), peer('n2', { reachable: false })],
      0,
    );
    expect(fleet.members.map((m) => [m.node, m.status])).toEqual([
      ['n1', 'LEAVING'],
      ['n2', 'UP'],
    ]);
  });
});

describe('sameFleet', () => {
  it('is true for two folds that read the same, false when a status, summary or last-seen changed', () => {
    const s2 = summary('n2');
    const a = foldFleet(summary('n1'), [peer('n2', { summary: s2 })], 1);
    expect(sameFleet(a, foldFleet(a.members[0].summary!, [peer('n2', { summary: s2 })], 2))).toBe(true);
    expect(sameFleet(a, foldFleet(a.members[0].summary!, [peer('n2', { summary: summary('n2') })], 2))).toBe(false);
    expect(sameFleet(a, foldFleet(a.members[0].summary!, [peer('n2', { summary: s2, reachable: false })], 2))).toBe(false);
    const gone = foldFleet(a.members[0].summary!, [peer('n2', { summary: s2, reachable: false, lastSeen: 1 })], 2);
    expect(sameFleet(gone, foldFleet(a.members[0].summary!, [peer('n2', { summary: s2, reachable: false, lastSeen: 2 })], 3))).toBe(false);
  });
});
