import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { HealthModule, HealthService, type FleetPeer, type FleetSource, type FleetSummary } from 'nestjs-mqtt-health';
import request from 'supertest';
import { PLATFORMS } from './support/boot.js';
import { ClusterHealthIndicator, ExtensionsHealthIndicator, MqttHealthIndicator, StorageHealthIndicator } from './support/broker.health.js';
import { API, api, detailsPaths, expectHealthAnswer, FAST, refreshed, startApp } from './support/health-app.js';

const TOKEN = 'fleet-token';
const SECRET = 'acl: connect ECONNREFUSED 10.0.0.7:5432';

function summary(node: string, extra: Partial<FleetSummary> = {}): FleetSummary {
  return {
    v: 1,
    node,
    status: 'UP',
    state: 'RUNNING',
    groups: { liveness: 'UP', readiness: 'UP' },
    components: { broker: { status: 'UP' } },
    version: '9.9.9',
    updatedAt: '2026-12-07T06:00:00.000Z',
    ...extra,
  };
}

/** A fleet store held in memory: what the app shares, and peers a test changes, saying so through watch(). */
class MemoryFleet implements FleetSource {
  readonly nodeId = 'n1';
  readonly shared: FleetSummary[] = [];
  private readonly listeners = new Set<() => void>();
  members: FleetPeer[] = [
    {
      node: 'n2',
      reachable: true,
      leaving: false,
      lastSeen: Date.now(),
      summary: summary('n2', {
        status: 'DOWN',
        groups: { liveness: 'UP', readiness: 'DOWN' },
        components: { extensions: { status: 'DOWN', components: { acl: { status: 'DOWN', details: { reason: SECRET } } } } },
      }),
    },
    { node: 'n3', reachable: false, leaving: false, lastSeen: Date.UTC(2026, 11, 7, 6, 1), summary: summary('n3') },
    { node: 'n4', reachable: true, leaving: false, lastSeen: Date.now(), summary: summary('n4') },
    { node: 'n5', reachable: true, leaving: false, lastSeen: Date.now(), summary: summary('n5') },
    { node: 'n6', reachable: true, leaving: false, lastSeen: Date.now(), summary: summary('n6') },
    { node: 'n7', reachable: true, leaving: false, lastSeen: Date.now(), summary: summary('n7') },
  ];
  share(summary: FleetSummary): void {
    this.shared.push(summary);
  }
  peers(): readonly FleetPeer[] {
    return this.members;
  }
  watch(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  changed(): void {
    for (const listener of this.listeners) listener();
  }
}

describe.each(PLATFORMS)('the fleet on %s', (platform) => {
  let app: INestApplication;
  let fleet: MemoryFleet;
  let listener: string;
  let fleetListener: string;

  beforeAll(async () => {
    app = await startApp(platform, {
      imports: [
        HealthModule.forRoot({
          ...FAST,
          resources: false,
          showDetails: 'when-authorized',
          authorize: (req) => (req as { headers: Record<string, string> }).headers.authorization === `Bearer ${TOKEN}`,
          healthApi: {
            enabled: true,
            listeners: [
              { port: 0, bindAddress: '127.0.0.1', name: 'main', views: ['hivemq', 'metrics'] },
              { port: 0, bindAddress: '127.0.0.1', name: 'ops', views: ['kubernetes', { view: 'fleet', prefix: 'ops/fleet' }] },
            ],
          },
        }),
      ],
      providers: [ClusterHealthIndicator, MqttHealthIndicator, ExtensionsHealthIndicator, StorageHealthIndicator],
    });
    app.get(StorageHealthIndicator).failure = new Error('disk full');
    fleet = new MemoryFleet();
    app.get(HealthService).useFleet(fleet);
    await refreshed(app);
    const urls = Object.fromEntries(
      app
        .get(HealthService)
        .listeners()
        .map(({ name, url }) => [name, url]),
    );
    listener = urls.main;
    fleetListener = urls.ops;
  });
  afterAll(() => app.close());

  it('answers every member and the verdict on the host controller, with reasons only for the token', async () => {
    const hidden = await api(app).get(`${API}/fleet`);
    expectHealthAnswer(hidden, 200);
    expect(hidden.body).toMatchObject({ status: 'DEGRADED', node: 'n1', quorum: { members: 7, available: 4, needed: 4, lost: false } });
    expect(Object.fromEntries(Object.entries(hidden.body.members).map(([id, m]) => [id, (m as { status: string }).status]))).toEqual({
      n1: 'DOWN',
      n2: 'DOWN',
      n3: 'UNREACHABLE',
      n4: 'UP',
      n5: 'UP',
      n6: 'UP',
      n7: 'UP',
    });
    expect(detailsPaths(hidden.body)).toEqual([]);
    expect(hidden.body.reason).toBeUndefined();
    expect(JSON.stringify(hidden.body)).not.toContain('ECONNREFUSED');

    const shown = await api(app).get(`${API}/fleet`).set('authorization', `Bearer ${TOKEN}`);
    expect(shown.body.reason).toBe('3 of 7 members not UP: n1 DOWN, n2 DOWN, n3 UNREACHABLE');
    expect(shown.body.members.n2.components.extensions.components.acl.details.reason).toBe(SECRET);
    expect(shown.body.members.n1.components.storage).toMatchObject({
      status: 'DOWN',
      details: { reason: expect.stringContaining('disk full') },
    });
  });

  it('serves a member, a component of its summary, and clear JSON 404s; filters by ?status=', async () => {
    const n3 = await api(app).get(`${API}/fleet/n3`);
    expectHealthAnswer(n3, 503);
    expect(n3.body).toMatchObject({ node: 'n3', status: 'UNREACHABLE', 'last-status': 'UP', 'last-seen': '2026-12-07T06:01:00.000Z' });
    const acl = await api(app).get(`${API}/fleet/n2/extensions/acl`).set('authorization', `Bearer ${TOKEN}`);
    expectHealthAnswer(acl, 503);
    expect(acl.body).toEqual({ status: 'DOWN', details: { reason: SECRET } });
    for (const path of [`${API}/fleet/n9`, `${API}/fleet/n2/nope`]) {
      const missing = await api(app).get(path);
      expectHealthAnswer(missing, 404);
      expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found', message: expect.any(String) });
    }
    const filtered = await api(app).get(`${API}/fleet?status=unreachable,UP`);
    expect(Object.keys(filtered.body.members)).toEqual(['n3', 'n4', 'n5', 'n6', 'n7']);
    const refused = await api(app).get(`${API}/fleet?status=SICK`);
    expectHealthAnswer(refused, 400);
  });

  it('answers the same on the dedicated listener, and under the fleet view elsewhere', async () => {
    const viaController = await api(app).get(`${API}/fleet`);
    const viaListener = await request(listener).get(`${API}/fleet`);
    expect(viaListener.status).toBe(200);
    expect(viaListener.body).toEqual(viaController.body);
    const viaView = await request(fleetListener).get('/ops/fleet/n3');
    expect(viaView.status).toBe(503);
    expect(viaView.body.status).toBe('UNREACHABLE');
    expect((await request(fleetListener).get('/ops/fleet?status=DOWN')).body.members).toHaveProperty('n2');
  });

  it('exports every member status as a gauge, and the verdict', async () => {
    const metrics = (await request(listener).get('/metrics')).text;
    expect(metrics).toContain('mqtt_health_fleet_member_status{node="n3",status="UNREACHABLE"} 1');
    expect(metrics).toContain('mqtt_health_fleet_member_status{node="n3",status="UP"} 0');
    expect(metrics).toContain('mqtt_health_fleet_member_status{node="n4",status="UP"} 1');
    expect(metrics).toContain('mqtt_health_fleet_status{status="DEGRADED"} 1');
  });

  it("shares this node's summary when it changes, and shows a peer's change once the source says so", async () => {
    expect(fleet.shared.at(-1)).toMatchObject({ node: 'n1', status: 'DOWN', components: { storage: { status: 'DOWN' } } });
    const before = fleet.shared.length;
    await refreshed(app);
    expect(fleet.shared).toHaveLength(before);
    fleet.members = fleet.members.map((m) => (m.node === 'n3' ? { ...m, reachable: true, leaving: true } : m));
    fleet.changed();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await request(listener).get(`${API}/fleet/n3`)).body.status).toBe('LEAVING');
  });
});
