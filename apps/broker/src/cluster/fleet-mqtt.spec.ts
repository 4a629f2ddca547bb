import { describe, expect, it } from '@jest/globals';
import { FLEET_MEMBER_STATUSES, type FleetMember, type FleetMemberStatus, type FleetSnapshot, type FleetSummary } from 'nestjs-mqtt-health';
import { FLEET_HEALTH_TOPIC, FleetMqtt } from './fleet-mqtt.js';

const summary = (node: string, status: FleetSummary['status'], updatedAt: string, reason?: string): FleetSummary => ({
  v: 1,
  node,
  status,
  state: 'RUNNING',
  groups: { liveness: 'UP', readiness: status === 'DOWN' ? 'OUT_OF_SERVICE' : 'UP' },
  components: { extensions: reason ? { status: 'DOWN', details: { reason } } : { status: 'UP' } },
  version: '1.0.0',
  updatedAt,
});

type Row = [node: string, status: FleetMemberStatus, summary?: FleetSummary, lastSeen?: number];

/** A fleet as the library folds it, seen from n1. */
function fleet(at: number, ...rows: Row[]): FleetSnapshot {
  const members: FleetMember[] = rows.map(([node, status, s, lastSeen]) => ({
    node,
    status,
    self: node === 'n1',
    summary: s,
    ...(lastSeen === undefined ? {} : { lastSeen }),
    available: status !== 'UNREACHABLE',
  }));
  const counts = Object.fromEntries(FLEET_MEMBER_STATUSES.map((s) => [s, members.filter((m) => m.status === s).length]));
  const available = members.filter((m) => m.available).length;
  const needed = Math.floor(members.length / 2) + 1;
  return {
    at,
    status: members.every((m) => m.status === 'UP') ? 'UP' : 'DEGRADED',
    quorum: { members: members.length, available, needed, lost: available < needed },
    counts: counts as FleetSnapshot['counts'],
    members,
  };
}

/** A publisher over a fake broker whose retained messages (`retained`: topic -> payload) other publishers may share. */
function publisher(options: { leader?: boolean; showDetails?: boolean; retained?: Map<string, string>; unreadable?: boolean } = {}) {
  const sent: { topic: string; body: Record<string, unknown> | '' }[] = [];
  const state = { leader: options.leader ?? false };
  const retained = options.retained ?? new Map<string, string>();
  const mqtt = new FleetMqtt({
    nodeId: 'n1',
    showDetails: options.showDetails ?? false,
    speaksForFleet: () => state.leader,
    publish: async (topic, payload) => {
      sent.push({ topic, body: payload === '' ? '' : (JSON.parse(payload) as Record<string, unknown>) });
      if (payload === '') retained.delete(topic);
      else retained.set(topic, payload);
    },
    readRetained: async (topics) => {
      if (options.unreadable) throw new Error('redis down');
      return new Map([...retained].filter(([topic]) => topics.includes(topic)));
    },
  });
  // Publishes and the retained read run on promises: every one queued so far has run by the next macrotask.
  const flush = () => new Promise((resolve) => setImmediate(resolve));
  return { mqtt, sent, state, flush, retained, topics: () => sent.map((m) => m.topic) };
}

const T1 = '2026-12-07T06:00:00.000Z';
const T2 = '2026-12-07T06:00:05.000Z';

describe('the fleet over MQTT', () => {
  it('publishes its own summary once per change, as the member body without reasons unless details are always shown', async () => {
    const { mqtt, sent, flush } = publisher();
    const own = summary('n1', 'DOWN', T1, 'extension broken');
    mqtt.update(fleet(1, ['n1', 'DOWN', own], ['n2', 'UP', summary('n2', 'UP', T1)]));
    mqtt.update(fleet(2, ['n1', 'DOWN', own], ['n2', 'DEGRADED', summary('n2', 'DEGRADED', T2)]));
    await flush();
    expect(sent).toEqual([
      {
        topic: '$SYS/n1/health',
        body: {
          node: 'n1',
          status: 'DOWN',
          state: 'RUNNING',
          groups: { liveness: 'UP', readiness: 'OUT_OF_SERVICE' },
          'updated-at': T1,
          components: { extensions: { status: 'DOWN' } },
        },
      },
    ]);
    const detailed = publisher({ showDetails: true });
    detailed.mqtt.update(fleet(1, ['n1', 'DOWN', own]));
    await detailed.flush();
    expect(detailed.sent[0].body).toMatchObject({
      version: '1.0.0',
      components: { extensions: { details: { reason: 'extension broken' } } },
    });
  });

  it('publishes the verdict only while it speaks for the fleet, and only when it differs from what the topic holds', async () => {
    const { mqtt, sent, state, flush, topics, retained } = publisher();
    const own = summary('n1', 'UP', T1);
    mqtt.update(fleet(1, ['n1', 'UP', own], ['n2', 'UP']));
    state.leader = true;
    mqtt.update(fleet(2, ['n1', 'UP', own], ['n2', 'UP']));
    await flush();
    mqtt.update(fleet(3, ['n1', 'UP', own], ['n2', 'UP']));
    mqtt.update(fleet(4, ['n1', 'UP', own], ['n2', 'DOWN']));
    await flush();
    expect(topics()).toEqual(['$SYS/n1/health', FLEET_HEALTH_TOPIC, FLEET_HEALTH_TOPIC]);
    expect(sent[1].body).toEqual({
      status: 'UP',
      quorum: { members: 2, available: 2, needed: 2, lost: false },
      counts: expect.objectContaining({ UP: 2, DOWN: 0 }),
      members: { n1: 'UP', n2: 'UP' },
      'updated-at': new Date(2).toISOString(),
    });
    expect(sent[2].body).toMatchObject({ status: 'DEGRADED', members: { n2: 'DOWN' } });
    // Leadership lost and won again: the topic already holds the current verdict, so nothing is said twice.
    state.leader = false;
    mqtt.update(fleet(5, ['n1', 'UP', own], ['n2', 'DOWN']));
    state.leader = true;
    mqtt.update(fleet(6, ['n1', 'UP', own], ['n2', 'DOWN']));
    await flush();
    expect(topics()).toHaveLength(3);
    // Meanwhile another leader said something else: the current verdict once more.
    state.leader = false;
    mqtt.update(fleet(7, ['n1', 'UP', own], ['n2', 'DOWN']));
    retained.set(FLEET_HEALTH_TOPIC, JSON.stringify({ ...sent[1].body, 'updated-at': 'later' }));
    state.leader = true;
    mqtt.update(fleet(8, ['n1', 'UP', own], ['n2', 'DOWN']));
    await flush();
    expect(sent.slice(3)).toEqual([{ topic: FLEET_HEALTH_TOPIC, body: expect.objectContaining({ status: 'DEGRADED' }) }]);
  });

  it("as the leader, publishes an unreachable member's last summary once per transition, and clears it once the fleet forgot the member", async () => {
    const { mqtt, sent, state, flush, retained } = publisher({ leader: true });
    const own = summary('n1', 'UP', T1);
    const n3 = summary('n3', 'UP', T1);
    const lastSeen = Date.parse(T2);
    const n3Said = () => sent.filter((m) => m.topic === '$SYS/n3/health').map((m) => (m.body === '' ? '' : m.body.status));
    mqtt.update(fleet(1, ['n1', 'UP', own], ['n3', 'UP', n3]));
    await flush();
    mqtt.update(fleet(2, ['n1', 'DEGRADED', own], ['n3', 'UNREACHABLE', n3, lastSeen]));
    mqtt.update(fleet(3, ['n1', 'DEGRADED', own], ['n3', 'UNREACHABLE', n3, lastSeen]));
    await flush();
    expect(sent.filter((m) => m.topic === '$SYS/n3/health')).toEqual([
      {
        topic: '$SYS/n3/health',
        body: expect.objectContaining({ node: 'n3', status: 'UNREACHABLE', 'last-status': 'UP', 'last-seen': T2, 'updated-at': T1 }),
      },
    ]);
    // Another leader takes over: n3's UNREACHABLE is retained already, so it is not said again.
    state.leader = false;
    mqtt.update(fleet(4, ['n1', 'DEGRADED', own], ['n3', 'UNREACHABLE', n3, lastSeen]));
    const next = publisher({ leader: true, retained });
    next.mqtt.update(fleet(5, ['n1', 'DEGRADED', own], ['n3', 'UNREACHABLE', n3, lastSeen]));
    await flush();
    expect(next.topics()).toEqual(['$SYS/n1/health']);
    // n3 forgotten: its retained message is cleared, once.
    next.mqtt.update(fleet(6, ['n1', 'UP', own]));
    next.mqtt.update(fleet(7, ['n1', 'UP', own]));
    await flush();
    expect(next.sent.filter((m) => m.topic === '$SYS/n3/health')).toEqual([{ topic: '$SYS/n3/health', body: '' }]);
    expect(n3Said()).toEqual(['UNREACHABLE']);
    expect(retained.has('$SYS/n3/health')).toBe(false);
  });

  it('says everything once as it begins to lead when the retained messages cannot be read', async () => {
    const { mqtt, topics, flush } = publisher({ leader: true, unreadable: true });
    mqtt.update(fleet(1, ['n1', 'UP', summary('n1', 'UP', T1)], ['n3', 'UNREACHABLE', summary('n3', 'UP', T1), 5]));
    await flush();
    expect(topics()).toEqual(['$SYS/n1/health', FLEET_HEALTH_TOPIC, '$SYS/n3/health']);
  });

  it('publishes only its own summary while another node leads, never an unreachable member', async () => {
    const { mqtt, topics, flush } = publisher();
    const own = summary('n1', 'UP', T1);
    mqtt.update(fleet(1, ['n1', 'UP', own], ['n2', 'UNREACHABLE', summary('n2', 'UP', T1), 5]));
    await flush();
    expect(topics()).toEqual(['$SYS/n1/health']);
  });

  it('says its summary again when it hears itself called UNREACHABLE, and only then', async () => {
    const { mqtt, sent, flush } = publisher();
    mqtt.heardOwn(JSON.stringify({ node: 'n1', status: 'UNREACHABLE' }));
    mqtt.update(fleet(1, ['n1', 'UP', summary('n1', 'UP', T1)]));
    await flush();
    for (const payload of [JSON.stringify(sent[0].body), '', 'not json', '{"status":"UP","x":"UNREACHABLE"}']) mqtt.heardOwn(payload);
    mqtt.heardOwn(JSON.stringify({ node: 'n1', status: 'UNREACHABLE', 'last-status': 'UP' }));
    await flush();
    expect(sent.map((m) => [m.topic, m.body === '' ? '' : m.body.status])).toEqual([
      ['$SYS/n1/health', 'UP'],
      ['$SYS/n1/health', 'UP'],
    ]);
    await mqtt.leave();
    mqtt.heardOwn(JSON.stringify({ node: 'n1', status: 'UNREACHABLE' }));
    await flush();
    expect(sent.at(-1)).toEqual({ topic: '$SYS/n1/health', body: '' });
  });

  it('clears its own retained summary at the final leave, in order after what it published, and publishes nothing after', async () => {
    const { mqtt, sent, flush } = publisher({ leader: true });
    mqtt.update(fleet(1, ['n1', 'UP', summary('n1', 'UP', T1)]));
    await flush();
    await mqtt.leave();
    mqtt.update(fleet(2, ['n1', 'LEAVING', summary('n1', 'UP', T2)]));
    await mqtt.leave();
    expect(sent.map((m) => [m.topic, m.body === '' ? '' : m.body.status])).toEqual([
      ['$SYS/n1/health', 'UP'],
      [FLEET_HEALTH_TOPIC, 'UP'],
      ['$SYS/n1/health', ''],
    ]);
  });
});
