import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll, type HealthAnswer } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

const HEARTBEAT_MS = 1000;
const DRAIN_MS = 3000;
const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

interface ClusterView {
  status: string;
  details: Record<string, unknown>;
}

/** The cluster component of `node`, or undefined once it no longer answers. */
const clusterOf = async (node: BrokerProcess): Promise<ClusterView | undefined> =>
  (await node.health('cluster').catch(() => undefined))?.body as ClusterView | undefined;

const TOPOLOGY_CHANGE = (id: string) => `topology change in progress: ${id} leaving`;

/**
 * HiveMQ's cluster model, with real brokers on a real redis-server: a node that drains on SIGTERM
 * announces its leave at once; its peers read DEGRADED (readiness DEGRADED_SERVICE, still 200) until it
 * is gone, so nobody scales down a second node mid-leave. A killed node is no leave.
 */
describeWithRedis.each(['registry', 'emitter'])('a node leaving its cluster (CLUSTER_MEMBERSHIP=%s)', (mode) => {
  let redis: RedisServer;
  const nodes: Record<string, BrokerProcess | undefined> = {};

  const startNode = async (id: string, drainMs = DRAIN_MS, extra: Record<string, string> = {}) =>
    (nodes[id] = await BrokerProcess.start({
      env: {
        REDIS_URL: redis.url,
        NODE_ID: id,
        HEARTBEAT_MS: String(HEARTBEAT_MS),
        CLUSTER_MEMBERSHIP: mode,
        DRAIN_MS: String(drainMs),
        ...extra,
      },
    }));
  const seeUp = async (ids: string[], size: number) => {
    for (const id of ids) {
      await waitFor(
        async () => {
          const view = await clusterOf(nodes[id]!);
          return view?.status === 'UP' && view?.details['cluster-size'] === size;
        },
        10_000,
        `${id} to see ${size} nodes UP`,
      );
    }
  };

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    // node-a's every view is read for the README's fault matrix while node-b leaves.
    const matrixEnv = await faultMatrixEnv();
    await Promise.all(['node-a', 'node-b', 'node-c'].map((id) => startNode(id, DRAIN_MS, id === 'node-a' ? matrixEnv : {})));
    await seeUp(['node-a', 'node-b', 'node-c'], 3);
  }, 60_000);

  afterAll(async () => {
    await stopAll(Object.values(nodes));
    await redis?.kill();
  });

  it('SIGTERM: the leaver reads LEAVING for its drain, the others DEGRADED "topology change in progress" (still 200) until it is gone, then UP with two nodes', async () => {
    const leaver = nodes['node-b']!;
    const survivors = [nodes['node-a']!, nodes['node-c']!];
    for (const view of await Promise.all([leaver, ...survivors].map(clusterOf))) {
      expect(view?.details).toMatchObject({ 'is-leave-replication-in-progress': false, 'cluster-mode': true });
    }
    const signalledAt = Date.now();
    leaver.child.kill('SIGTERM');
    const timeline: { leaverLeaving?: number; survivorsDegraded?: number; survivorsUp?: number } = {};
    let leaverView: ClusterView | undefined;
    let leaverReadiness: HealthAnswer | undefined;
    let degraded: (ClusterView | undefined)[] | undefined;
    let degradedReadiness: HealthAnswer[] | undefined;
    let upMidLeave = false;
    await waitFor(
      async () => {
        const since = Date.now() - signalledAt;
        if (!leaverView) {
          const view = await clusterOf(leaver);
          if (view?.details?.['node-state'] === 'LEAVING') {
            [leaverView, leaverReadiness, timeline.leaverLeaving] = [view, await leaver.health('readiness'), since];
          }
        }
        const views = await Promise.all(survivors.map(clusterOf));
        if (!degraded && views.every((view) => view?.status === 'DEGRADED')) {
          [degraded, timeline.survivorsDegraded] = [views, since];
          degradedReadiness = await Promise.all(survivors.map((node) => node.health('readiness')));
          if (mode === 'registry') await recordFault('Peer leaving (SIGTERM)', 11, survivors[0], since);
        }
        if (views.every((view) => view?.status === 'UP' && view?.details['cluster-size'] === 2)) {
          timeline.survivorsUp = since;
          return true;
        }
        // UP while the leaver is still listed: the leave would look finished before it is.
        if (degraded && views.some((view) => view?.status === 'UP' && view?.details['cluster-size'] === 3)) upMidLeave = true;
        return false;
      },
      DRAIN_MS + 10_000,
      'the survivors UP with two nodes',
      50,
    );

    expect(leaverView).toEqual({
      status: 'DEGRADED',
      details: {
        'node-id': 'node-b',
        'cluster-nodes': ['node-a', 'node-b', 'node-c'],
        'cluster-size': 3,
        'node-state': 'LEAVING',
        'is-leader': false,
        'is-leave-replication-in-progress': true,
        'cluster-mode': true,
        reason: 'node is leaving the cluster',
      },
    });
    expect(leaverReadiness).toMatchObject({ status: 503, body: { status: 'OUT_OF_SERVICE' } });
    for (const [i, view] of degraded!.entries()) {
      expect(view).toEqual({
        status: 'DEGRADED',
        details: {
          'node-id': i === 0 ? 'node-a' : 'node-c',
          'cluster-nodes': ['node-a', 'node-b', 'node-c'],
          'cluster-size': 3,
          'node-state': 'RUNNING',
          'is-leader': expect.any(Boolean),
          'is-leave-replication-in-progress': true,
          'cluster-mode': true,
          reason: TOPOLOGY_CHANGE('node-b'),
        },
      });
    }
    for (const readiness of degradedReadiness!) expect(readiness).toMatchObject({ status: 200, body: { status: 'DEGRADED_SERVICE' } });
    // DEGRADED while the leaver drains; UP only once it is gone, which is after its drain.
    expect(timeline.survivorsDegraded!).toBeLessThan(DRAIN_MS);
    expect(timeline.survivorsUp!).toBeGreaterThanOrEqual(DRAIN_MS);
    expect(upMidLeave).toBe(false);
    expect(await leaver.exited).toBe(0);
    // An orderly leave is no outage: the connections it closes itself are not reported lost.
    expect(leaver.log).not.toMatch(/connection lost/);
    for (const survivor of survivors) {
      const said = survivor.log.match(/node node-b (is leaving|left) the cluster/g);
      expect(said).toEqual(['node node-b is leaving the cluster', 'node node-b left the cluster']);
    }
    for (const view of await Promise.all(survivors.map(clusterOf))) {
      expect(view?.details).toMatchObject({ 'cluster-nodes': ['node-a', 'node-c'], 'is-leave-replication-in-progress': false });
    }
    // The lease was handed over when the drain began: one leader among those who stay.
    await waitFor(
      async () => (await Promise.all(survivors.map(clusterOf))).filter((view) => view?.details['is-leader']).length === 1,
      3 * HEARTBEAT_MS,
      'one leader among the survivors',
    );
  }, 30_000);

  it('SIGKILL is no leave: the peer-unreachable rule, never a topology change', async () => {
    await nodes['node-c']!.kill();
    const killedAt = Date.now();
    const reasons = new Set<string>();
    const view = await waitFor(
      async () => {
        const v = await clusterOf(nodes['node-a']!);
        if (v?.details?.reason) reasons.add(String(v.details.reason));
        return v?.status === 'DEGRADED' && v;
      },
      3 * HEARTBEAT_MS + 1000,
      'node-a to report the dead peer',
    );
    expect(Date.now() - killedAt).toBeLessThanOrEqual(3 * HEARTBEAT_MS + 1000);
    expect(view).toMatchObject({ details: { reason: '0/1 peers reachable', 'is-leave-replication-in-progress': false } });
    expect([...reasons]).toEqual(['0/1 peers reachable']);
    await startNode('node-c');
    await seeUp(['node-a', 'node-c'], 2);
  }, 40_000);

  it('a leaver that dies mid-leave falls back to the peer-unreachable rule within 3 heartbeats', async () => {
    const leaver = await startNode('node-d', 60_000);
    await seeUp(['node-a', 'node-c'], 3);
    leaver.child.kill('SIGTERM');
    for (const id of ['node-a', 'node-c']) {
      await waitFor(
        async () => (await clusterOf(nodes[id]!))?.details?.reason === TOPOLOGY_CHANGE('node-d'),
        3000,
        `${id} to see node-d leaving`,
      );
    }
    await leaver.kill();
    const killedAt = Date.now();
    for (const id of ['node-a', 'node-c']) {
      const view = await waitFor(
        async () => {
          const v = await clusterOf(nodes[id]!);
          return v?.details?.reason === '1/2 peers reachable' && v;
        },
        3 * HEARTBEAT_MS + 1000,
        `${id} to read node-d unreachable`,
      );
      expect(view).toMatchObject({ status: 'DEGRADED', details: { 'is-leave-replication-in-progress': false, 'cluster-size': 3 } });
    }
    expect(Date.now() - killedAt).toBeLessThanOrEqual(3 * HEARTBEAT_MS + 1000);
  }, 40_000);
});

describe('a single node (no REDIS_URL)', () => {
  let broker: BrokerProcess | undefined;
  afterAll(async () => stopAll([broker]));

  it('shows its cluster as HiveMQ does: UP, one node, RUNNING, cluster-mode false, in readiness; its drain is no leave', async () => {
    broker = await BrokerProcess.start({ env: { NODE_ID: 'solo', DRAIN_MS: '2000' } });
    const single = {
      status: 'UP',
      details: {
        'node-id': 'solo',
        'cluster-nodes': ['solo'],
        'cluster-size': 1,
        'node-state': 'RUNNING',
        'is-leader': true,
        'is-leave-replication-in-progress': false,
        'cluster-mode': false,
      },
    };
    expect((await broker.health('cluster')).body).toEqual(single);
    expect((await broker.health()).body.components.cluster).toEqual(single);
    expect(Object.keys((await broker.health('readiness')).body.components).sort()).toEqual(['broker', 'cluster', 'mqtt', 'storage']);
    broker.child.kill('SIGTERM');
    await waitFor(async () => (await broker!.health('readiness')).status === 503, 2000, 'the drain');
    expect((await broker.health('cluster')).body).toEqual(single);
    expect(await broker.exited).toBe(0);
  }, 30_000);
});
