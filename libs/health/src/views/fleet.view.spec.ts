import { describe, expect, it } from '@jest/globals';
import { foldFleet } from '../fleet/fleet-fold.js';
import type { FleetPeer, FleetSummary } from '../model/fleet.interface.js';
import { body, config } from '../testing/health-test-kit.js';
import { FLEET_ROUTE, fleetMemberBody, fleetStatusBody, renderFleet } from './fleet.view.js';
import type { ViewContext } from './health-view.interface.js';
import { HIVEMQ_VIEW } from './hivemq.view.js';

const summary = (node: string, extra: Partial<FleetSummary> = {}): FleetSummary => ({
  v: 1,
  node,
  status: 'UP',
  state: 'RUNNING',
  groups: { liveness: 'UP', readiness: 'UP' },
  components: { storage: { status: 'UP' } },
  version: '2.1.0',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});
const down = summary('n2', {
  status: 'DOWN',
  groups: { liveness: 'UP', readiness: 'DOWN' },
  components: {
    storage: { status: 'UP' },
    extensions: { status: 'DOWN', components: { acl: { status: 'DOWN', details: { reason: 'acl: ECONNREFUSED' } } } },
  },
});
const peers: FleetPeer[] = [
  { node: 'n2', summary: down, reachable: true, leaving: false, lastSeen: 0 },
  { node: 'n3', summary: summary('n3'), reachable: false, leaving: false, lastSeen: Date.UTC(2026, 0, 1, 0, 0, 5) },
];
const fleet = foldFleet(summary('n1'), peers, 10_000);

function at(path: string, showDetails = true, query?: string) {
  const context: ViewContext = {
    snapshot: undefined as never,
    config,
    showDetails,
    segments: path.split('/').filter(Boolean),
    query: query === undefined ? undefined : new URLSearchParams(query),
    fleet,
  };
  return renderFleet(context);
}

describe('the fleet routes', () => {
  it('is a route of the HiveMQ view, answered from the fleet state', () => {
    expect(HIVEMQ_VIEW.routes).toContain(FLEET_ROUTE);
    expect(FLEET_ROUTE).toMatchObject({ path: 'fleet', subtree: true, fleet: true });
  });

  it('answers every member, the verdict, quorum and counts: a lost quorum is DOWN, 503', () => {
    const response = at('');
    expect(response!.statusCode).toBe(503);
    const answer = body(response);
    expect(answer).toMatchObject({
      status: 'DOWN',
      node: 'n1',
      reason: 'quorum lost: 1 of 3 members available, 2 needed; 2 of 3 members not UP: n2 DOWN, n3 UNREACHABLE',
      quorum: { members: 3, available: 1, needed: 2, lost: true },
    });
    expect(Object.keys(answer.members)).toEqual(['n1', 'n2', 'n3']);
    expect(answer.counts).toMatchObject({ UP: 1, DOWN: 1, UNREACHABLE: 1, LEAVING: 0 });
  });

  it('shows an UNREACHABLE member with its last status, last summary and last-seen time', () => {
    const response = at('n3');
    expect(response!.statusCode).toBe(503);
    expect(body(response)).toEqual({
      node: 'n3',
      status: 'UNREACHABLE',
      'last-status': 'UP',
      state: 'RUNNING',
      groups: { liveness: 'UP', readiness: 'UP' },
      'updated-at': '2026-01-01T00:00:00.000Z',
      'last-seen': '2026-01-01T00:00:05.000Z',
      version: '2.1.0',
      components: { storage: { status: 'UP' } },
    });
  });

  it("answers a member's component from its summary, and a clear JSON 404 for what it does not hold", () => {
    expect(body(at('n2/extensions/acl'))).toEqual({ status: 'DOWN', details: { reason: 'acl: ECONNREFUSED' } });
    expect(at('n2/extensions/acl')!.statusCode).toBe(503);
    const missing = at('n2/nope');
    expect(missing!.statusCode).toBe(404);
    expect(body(missing).message).toMatch(/summary holds no such component/);
    expect(body(at('n9')).message).toBe('no member of the fleet has this node id');
  });

  it('hides reasons, the fleet reason and versions without details, keeping statuses', () => {
    const answer = body(at('', false));
    expect(answer.reason).toBeUndefined();
    expect(answer.members.n2.components.extensions).toEqual({ status: 'DOWN', components: { acl: { status: 'DOWN' } } });
    expect(answer.members.n2.version).toBeUndefined();
    expect(JSON.stringify(answer)).not.toContain('ECONNREFUSED');
  });

  it('answers 200 DEGRADED while the quorum holds', () => {
    const degraded = foldFleet(
      summary('n1'),
      [
        ...peers,
        { node: 'n4', summary: summary('n4'), reachable: true, leaving: false, lastSeen: 0 },
        { node: 'n5', summary: summary('n5'), reachable: true, leaving: false, lastSeen: 0 },
      ],
      0,
    );
    const response = renderFleet({ snapshot: undefined as never, config, showDetails: true, segments: [], fleet: degraded });
    expect(response!.statusCode).toBe(200);
    expect(body(response)).toMatchObject({ status: 'DEGRADED', quorum: { members: 5, available: 3, needed: 3, lost: false } });
  });

  it('filters members by ?status= (case-insensitive, comma-separated), keeping the whole fleet verdict and counts', () => {
    const answer = body(at('', true, 'status=down,UNREACHABLE'));
    expect(Object.keys(answer.members)).toEqual(['n2', 'n3']);
    expect(answer.counts.UP).toBe(1);
    expect(Object.keys(body(at('', true, 'status=UP&status=LEAVING')).members)).toEqual(['n1']);
    expect(Object.keys(body(at('', true, 'status=')).members)).toEqual(['n1', 'n2', 'n3']);
    expect(Object.keys(body(at('', true, 'status=DOWN,')).members)).toEqual(['n2']);
    const refused = at('', true, 'status=FINE');
    expect(refused!.statusCode).toBe(400);
    expect(body(refused).message).toMatch(/^unknown status in \?status=; use one or more of UP, /);
    expect(refused!.body).not.toContain('FINE');
  });

  it('gives MQTT a compact fleet status: each member by status, no reasons', () => {
    expect(fleetStatusBody(fleet)).toEqual({
      status: 'DOWN',
      quorum: fleet.quorum,
      counts: fleet.counts,
      members: { n1: 'UP', n2: 'DOWN', n3: 'UNREACHABLE' },
      'updated-at': new Date(10_000).toISOString(),
    });
    expect(fleetMemberBody(fleet.members[0], true)).not.toHaveProperty('self');
  });
});
