import { describe, expect, it } from '@jest/globals';
import type { BrokerState, ClusterMembership, ClusterPeer } from '../mqtt-health.interfaces.js';
import { ClusterHealthIndicator } from './cluster.health.js';

const membership = (over: Partial<ClusterMembership> & { peerList?: ClusterPeer[] } = {}): ClusterMembership => ({
  enabled: true,
  nodeId: 'b',
  state: 'RUNNING',
  isLeader: false,
  peers: () => over.peerList ?? [],
  ...over,
});

const brokerState = () => ({ brokerId: undefined, nodeId: 'b', connectedClients: 0, startedAt: undefined, closed: false });
const broker = (): BrokerState => ({ ...brokerState(), brokerId: 'x', startedAt: 1 });

describe('ClusterHealthIndicator', () => {
  it('is UP with one node on a single node, whether the app gives a membership not enabled or none at all', () => {
    const single = {
      status: 'UP',
      details: {
        'node-id': 'b',
        'cluster-nodes': ['b'],
        'cluster-size': 1,
        'node-state': 'RUNNING',
        'is-leader': true,
        'is-leave-replication-in-progress': false,
        'cluster-mode': false,
      },
    };
    expect(new ClusterHealthIndicator(membership({ enabled: false, state: 'JOINING' })).check()).toEqual(single);
    expect(new ClusterHealthIndicator(undefined, broker()).check()).toEqual(single);
    // Nothing names the node: nothing to show.
    expect(new ClusterHealthIndicator().check()).toBeNull();
  });

  it('is UP with the HiveMQ details when every peer is reachable', () => {
    const peerList = [
      { id: 'c', reachable: true },
      { id: 'a', reachable: true },
    ];
    expect(new ClusterHealthIndicator(membership({ peerList, isLeader: true })).check()).toEqual({
      status: 'UP',
      details: {
        'node-id': 'b',
        'cluster-nodes': ['a', 'b', 'c'],
        'cluster-size': 3,
        'node-state': 'RUNNING',
        'is-leader': true,
        'is-leave-replication-in-progress': false,
        'cluster-mode': true,
      },
    });
  });

  it('is DEGRADED with the topology change while a reachable peer is leaving, and UP once it is gone', () => {
    const peerList = [
      { id: 'c', reachable: true, leaving: true },
      { id: 'a', reachable: true },
    ];
    expect(new ClusterHealthIndicator(membership({ peerList })).check()).toEqual({
      status: 'DEGRADED',
      details: expect.objectContaining({
        reason: 'topology change in progress: c leaving',
        'node-state': 'RUNNING',
        'cluster-size': 3,
        'is-leave-replication-in-progress': true,
      }),
    });
    const gone = new ClusterHealthIndicator(membership({ peerList: [{ id: 'a', reachable: true }] })).check();
    expect(gone).toMatchObject({ status: 'UP', details: { 'cluster-size': 2, 'is-leave-replication-in-progress': false } });
  });

  it('reads a leaver that stopped answering as unreachable, and names both causes when both hold', () => {
    const dead = [{ id: 'c', reachable: false, leaving: true }];
    expect(new ClusterHealthIndicator(membership({ peerList: dead })).check()).toMatchObject({
      status: 'DEGRADED',
      details: { reason: '0/1 peers reachable', 'is-leave-replication-in-progress': false },
    });
    const both = [
      { id: 'd', reachable: true, leaving: true },
      { id: 'a', reachable: false },
      { id: 'c', reachable: true, leaving: true },
    ];
    expect(new ClusterHealthIndicator(membership({ peerList: both })).check()?.details?.reason).toBe(
      '2/3 peers reachable; topology change in progress: c, d leaving',
    );
  });

  it('is DEGRADED with the FluxMQ reason when some peers are unreachable', () => {
    const peerList = [
      { id: 'a', reachable: true },
      { id: 'c', reachable: false },
    ];
    expect(new ClusterHealthIndicator(membership({ peerList })).check()).toMatchObject({
      status: 'DEGRADED',
      details: { reason: '1/2 peers reachable', 'cluster-size': 3 },
    });
  });

  it('is DOWN with the reason while another process holds its node id', () => {
    const conflict = 'node id b is held by a live member (pid 7 on host x, instance 0a); waiting for its lease to expire';
    expect(new ClusterHealthIndicator(membership({ state: 'JOINING', conflict })).check()).toMatchObject({
      status: 'DOWN',
      details: { reason: conflict, 'node-state': 'JOINING' },
    });
  });

  it('is DOWN while joining and DEGRADED while leaving', () => {
    expect(new ClusterHealthIndicator(membership({ state: 'JOINING' })).check()).toMatchObject({
      status: 'DOWN',
      details: { reason: 'joining the cluster' },
    });
    expect(new ClusterHealthIndicator(membership({ state: 'LEAVING' })).check()).toMatchObject({
      status: 'DEGRADED',
      details: { reason: 'node is leaving the cluster', 'node-state': 'LEAVING', 'is-leave-replication-in-progress': true },
    });
  });

  it('is DOWN while joining: waiting for the broker to start, then joining the cluster', () => {
    const broker = { ...brokerState(), startedAt: undefined as number | undefined };
    const indicator = new ClusterHealthIndicator(membership({ state: 'JOINING' }), broker);
    expect(indicator.check()).toMatchObject({
      status: 'DOWN',
      details: { reason: 'waiting for the broker to start', 'node-state': 'JOINING' },
    });
    broker.startedAt = Date.now();
    expect(indicator.check()).toMatchObject({ status: 'DOWN', details: { reason: 'joining the cluster' } });
  });

  it('is DOWN with the cause while joining waits on an unreachable dependency', () => {
    const waitingFor = 'redis unreachable: connect ECONNREFUSED 127.0.0.1:6379';
    const indicator = new ClusterHealthIndicator(membership({ state: 'JOINING', waitingFor }), brokerState());
    expect(indicator.check()).toMatchObject({ status: 'DOWN', details: { reason: waitingFor, 'node-state': 'JOINING' } });
  });

  it('is DOWN when cut off from the cluster, whatever its peers last said', () => {
    const peerList = [{ id: 'a', reachable: false }];
    expect(new ClusterHealthIndicator(membership({ peerList, connected: false })).check()).toMatchObject({
      status: 'DOWN',
      details: { reason: 'cut off from the cluster: its own heartbeat does not come back', 'node-state': 'RUNNING' },
    });
    expect(new ClusterHealthIndicator(membership({ connected: true })).check()?.status).toBe('UP');
  });
});
