import { describe, expect, it } from '@jest/globals';
import type { ClusterMembership, ClusterPeer } from '../mqtt-health.interfaces.js';
import { ClusterHealthIndicator } from './cluster.health.js';

const membership = (over: Partial<ClusterMembership> & { peerList?: ClusterPeer[] } = {}): ClusterMembership => ({
  enabled: true,
  nodeId: 'b',
  state: 'RUNNING',
  isLeader: false,
  peers: () => over.peerList ?? [],
  ...over,
});

describe('ClusterHealthIndicator', () => {
  it('is absent in single-node mode', () => {
    expect(new ClusterHealthIndicator().check()).toBeNull();
    expect(new ClusterHealthIndicator(membership({ enabled: false })).check()).toBeNull();
  });

  it('is UP with the HiveMQ details when every peer is reachable', () => {
    const peerList = [
      { id: 'c', reachable: true },
      { id: 'a', reachable: true },
    ];
    expect(new ClusterHealthIndicator(membership({ peerList, isLeader: true })).check()).toEqual({
      status: 'UP',
      details: { 'node-id': 'b', 'cluster-nodes': ['a', 'b', 'c'], 'cluster-size': 3, 'node-state': 'RUNNING', 'is-leader': true },
    });
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
    expect(new ClusterHealthIndicator(membership({ state: 'LEAVING' })).check()?.status).toBe('DEGRADED');
  });

  it('is UNKNOWN "starting" while the broker has not started, DOWN joining once it has', () => {
    const broker = { brokerId: undefined, nodeId: 'b', connectedClients: 0, startedAt: undefined as number | undefined, closed: false };
    const indicator = new ClusterHealthIndicator(membership({ state: 'JOINING' }), broker);
    expect(indicator.check()).toMatchObject({ status: 'UNKNOWN', details: { reason: 'starting', 'node-state': 'JOINING' } });
    broker.startedAt = Date.now();
    expect(indicator.check()).toMatchObject({ status: 'DOWN', details: { reason: 'joining the cluster' } });
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
