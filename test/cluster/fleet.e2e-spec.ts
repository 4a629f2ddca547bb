import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';
import { fleetOf, fleetReads, HEARTBEAT_MS, metricsOf, retained } from './fleet.kit.js';

const DRAIN_MS = 3000;
const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

/**
 * The fleet on three real brokers and a real redis-server: every node answers for every member at
 * /api/v1/health/fleet, in its metrics and, for a dead member, on `$SYS/<id>/health`; a member killed
 * reads UNREACHABLE with its last summary, a member that drains reads LEAVING until it is gone.
 */
describeWithRedis.each(['registry', 'emitter'])('the fleet (CLUSTER_MEMBERSHIP=%s)', (mode) => {
  let redis: RedisServer;
  const nodes: Record<string, BrokerProcess | undefined> = {};
  const startNode = async (id: string, extra: Record<string, string> = {}) =>
    (nodes[id] = await BrokerProcess.start({
      env: {
        REDIS_URL: redis.url,
        NODE_ID: id,
        HEARTBEAT_MS: String(HEARTBEAT_MS),
        CLUSTER_MEMBERSHIP: mode,
        HEALTH_VIEWS: 'hivemq,fluxmq,kubernetes,metrics',
        ...extra,
      },
    }));
  const allUp = async (ids: string[]) => {
    const want = Object.fromEntries(ids.map((id) => [id, 'UP']));
    for (const id of ids) await fleetReads(nodes[id], want, 10_000, `${id} to see ${ids.join(', ')} UP`);
  };

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    await Promise.all([startNode('n1'), startNode('n2', { DRAIN_MS: String(DRAIN_MS) }), startNode('n3')]);
    await allUp(['n1', 'n2', 'n3']);
  }, 60_000);

  afterAll(async () => {
    await stopAll(Object.values(nodes));
    await redis?.kill();
  });

  it('shows every member on every node: UP with its summary, the quorum and the counts', async () => {
    for (const id of ['n1', 'n2', 'n3']) {
      const fleet = (await fleetOf(nodes[id]))!;
      expect(fleet).toMatchObject({
        status: 'UP',
        node: id,
        quorum: { members: 3, available: 3, needed: 2, lost: false },
        counts: { UP: 3, DOWN: 0, UNREACHABLE: 0, LEAVING: 0 },
      });
      for (const member of ['n1', 'n2', 'n3'])
        expect(fleet.members[member]).toMatchObject({
          node: member,
          status: 'UP',
          state: 'RUNNING',
          groups: { liveness: 'UP', readiness: 'UP', startup: 'UP' },
          'updated-at': expect.any(String),
          components: { broker: { status: 'UP' }, cluster: { status: 'UP' } },
        });
    }
  });

  it('SIGKILL: the others read the member UNREACHABLE with its last summary and last-seen, in /fleet, the metrics and $SYS/<id>/health', async () => {
    const before = (await fleetOf(nodes.n1))!.members.n3;
    await nodes.n3!.kill();
    const killedAt = Date.now();
    for (const id of ['n1', 'n2']) {
      const fleet = await waitFor(
        async () => {
          const f = await fleetOf(nodes[id]);
          return f?.members.n3?.status === 'UNREACHABLE' ? f : undefined;
        },
        6 * HEARTBEAT_MS,
        `${id} to read n3 UNREACHABLE`,
      );
      expect(fleet).toMatchObject({ status: 'DEGRADED', quorum: { members: 3, available: 2, needed: 2, lost: false } });
      // Each survivor's cluster reads "1/2 peers reachable" too, and its summary says so: its /health status.
      const survivors = { n1: 'DEGRADED_SERVICE', n2: 'DEGRADED_SERVICE', n3: 'UNREACHABLE' };
      await fleetReads(nodes[id], survivors, 6 * HEARTBEAT_MS, `${id} to read the survivors DEGRADED_SERVICE`);
      expect((await nodes[id]!.health()).body.status).toBe('DEGRADED_SERVICE');
      const lastSeen = Date.parse(fleet.members.n3['last-seen']!);
      expect(lastSeen).toBeLessThanOrEqual(killedAt + 50);
      expect(lastSeen).toBeGreaterThan(killedAt - 3 * HEARTBEAT_MS);
      // Its last summary, as it was before the kill.
      expect(fleet.members.n3).toEqual({ ...before, status: 'UNREACHABLE', 'last-status': 'UP', 'last-seen': expect.any(String) });
      expect(await metricsOf(nodes[id]!)).toMatch(/mqtt_health_fleet_member_status\{node="n3",status="UNREACHABLE"\} 1\n/);
      expect(await metricsOf(nodes[id]!)).toMatch(/mqtt_health_fleet_member_status\{node="n3",status="UP"\} 0\n/);
      expect((await nodes[id]!.health('fleet/n3')).status).toBe(503);
    }
    // The leader said it for n3, which cannot: a subscriber that connects after the kill reads it, on either node.
    for (const id of ['n1', 'n2']) {
      const n3 = await waitFor(
        async () => {
          const message = (await retained(nodes[id]!.mqttUrl, '$SYS/n3/health'))['$SYS/n3/health'];
          return message?.status === 'UNREACHABLE' && message;
        },
        5000,
        `a late subscriber on ${id} to read n3 UNREACHABLE`,
      );
      expect(n3).toMatchObject({ node: 'n3', status: 'UNREACHABLE', 'last-status': 'UP', 'updated-at': before['updated-at'] });
    }
  }, 30_000);

  it('a member back under its id reads UP again everywhere, on $SYS/<id>/health too', async () => {
    await startNode('n3');
    await allUp(['n1', 'n2', 'n3']);
    const n3 = await waitFor(
      async () => {
        const message = (await retained(nodes.n1!.mqttUrl, '$SYS/n3/health'))['$SYS/n3/health'];
        return message?.status === 'UP' && message;
      },
      5000,
      'n3 to say UP again',
    );
    expect(n3).toMatchObject({ node: 'n3', state: 'RUNNING' });
  }, 30_000);

  it('SIGTERM: every other node reads the member LEAVING for its drain, then no longer lists it; never UNREACHABLE', async () => {
    const leaver = nodes.n2!;
    const signalledAt = Date.now();
    leaver.child.kill('SIGTERM');
    const seen: Record<string, Set<string>> = { n1: new Set(), n3: new Set() };
    const leavingAt: Record<string, number> = {};
    await waitFor(
      async () => {
        for (const id of ['n1', 'n3']) {
          const fleet = await fleetOf(nodes[id]);
          const status = fleet?.members.n2?.status ?? 'absent';
          seen[id].add(status);
          if (status === 'LEAVING') leavingAt[id] ??= Date.now() - signalledAt;
          if (status === 'LEAVING') expect(fleet!.counts.LEAVING).toBe(1);
        }
        return !leaver.running && Object.keys(seen).every((id) => [...seen[id]].at(-1) === 'absent');
      },
      DRAIN_MS + 10_000,
      'n2 to leave and be gone from every fleet',
      50,
    );
    for (const id of ['n1', 'n3']) {
      expect([...seen[id]].filter((status) => status !== 'UP')).toEqual(['LEAVING', 'absent']);
      expect(leavingAt[id]).toBeLessThan(DRAIN_MS);
      // The survivors' own cluster reads UP again once the leaver is gone: the fleet is UP with two members.
      await waitFor(async () => (await fleetOf(nodes[id]))?.status === 'UP', 4 * HEARTBEAT_MS, `${id} to read the fleet UP`);
      expect((await fleetOf(nodes[id]))!).toMatchObject({
        quorum: { members: 2, available: 2 },
        counts: { UP: 2, LEAVING: 0 },
      });
    }
    expect(await leaver.exited).toBe(0);
    // Gone: no retained health of its own is left behind.
    expect(await retained(nodes.n1!.mqttUrl, '$SYS/+/health')).toEqual({
      '$SYS/fleet/health': expect.objectContaining({ status: 'UP', members: { n1: 'UP', n3: 'UP' } }),
      '$SYS/n1/health': expect.objectContaining({ status: 'UP' }),
      '$SYS/n3/health': expect.objectContaining({ status: 'UP' }),
    });
  }, 30_000);

  it('SIGKILL of the leader: the survivor leads, says it UNREACHABLE on $SYS/<id>/health, and reads the quorum lost (1 of 2)', async () => {
    const isLeader = async (id: string) => (await nodes[id]!.health('cluster')).body.details?.['is-leader'] === true;
    const leader = (await isLeader('n1')) ? 'n1' : 'n3';
    const survivor = leader === 'n1' ? 'n3' : 'n1';
    await nodes[leader]!.kill();
    const fleet = await waitFor(
      async () => {
        const f = await fleetOf(nodes[survivor]);
        return f?.members[leader]?.status === 'UNREACHABLE' ? f : undefined;
      },
      6 * HEARTBEAT_MS,
      `${survivor} to read ${leader} UNREACHABLE`,
    );
    expect(fleet).toMatchObject({ status: 'DOWN', quorum: { members: 2, available: 1, needed: 2, lost: true } });
    expect(fleet.reason).toMatch(/^quorum lost: 1 of 2 members available, 2 needed/);
    expect((await nodes[survivor]!.health('fleet')).status).toBe(503);
    const said = await waitFor(
      async () => {
        const found = await retained(nodes[survivor]!.mqttUrl, '$SYS/+/health', 200);
        return found[`$SYS/${leader}/health`]?.status === 'UNREACHABLE' && found['$SYS/fleet/health']?.status === 'DOWN'
          ? found
          : undefined;
      },
      8 * HEARTBEAT_MS,
      `${survivor} to lead and say ${leader} UNREACHABLE`,
    );
    expect(await isLeader(survivor)).toBe(true);
    // Said by a node that cannot know the dead member's HEALTH_DETAILS: statuses, no version.
    expect(said[`$SYS/${leader}/health`]).not.toHaveProperty('version');
  }, 30_000);
});
