import { afterEach, describe, expect, it } from '@jest/globals';
import { Aedes } from 'aedes';
import type { FleetSnapshot, FleetSummary, HealthService } from 'nestjs-mqtt-health';
import { Subject } from 'rxjs';
import type { BrokerConfig } from '../config/index.js';
import type { ClusterMembershipService } from './cluster-membership.service.js';
import { FleetHealthService } from './fleet-health.service.js';
import { FleetStore } from './fleet-store.js';

const summary = (status: FleetSummary['status'], updatedAt: string): FleetSummary => ({
  v: 1,
  node: 'solo',
  status,
  state: 'RUNNING',
  groups: { liveness: 'UP' },
  components: {},
  updatedAt,
});

const fleetOf = (own: FleetSummary): FleetSnapshot => ({
  at: Date.parse(own.updatedAt),
  status: own.status,
  quorum: { members: 1, available: 1, needed: 1, lost: false },
  counts: {
    UP: own.status === 'UP' ? 1 : 0,
    UNKNOWN: 0,
    DEGRADED: 0,
    DEGRADED_SERVICE: 0,
    DOWN: own.status === 'DOWN' ? 1 : 0,
    OUT_OF_SERVICE: 0,
    UNREACHABLE: 0,
    LEAVING: 0,
  },
  members: [{ node: 'solo', status: own.status, self: true, summary: own, available: true }],
});

/** The retained message of `topic` in the broker's persistence, '' for none. */
async function retainedOf(broker: Aedes, topic: string): Promise<string> {
  const { persistence } = broker as unknown as {
    persistence: { createRetainedStreamCombi(p: string[]): AsyncIterable<{ payload: Buffer }> };
  };
  for await (const packet of persistence.createRetainedStreamCombi([topic])) return packet.payload.toString();
  return '';
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** The demo's wiring of the fleet on a real Aedes (in-memory persistence), as a single node. */
describe('FleetHealthService', () => {
  const brokers: Aedes[] = [];
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((broker) => new Promise((resolve) => broker.close(() => resolve(undefined)))));
  });

  async function single() {
    const broker = await Aedes.createBroker();
    brokers.push(broker);
    const fleet$ = new Subject<FleetSnapshot>();
    let current = fleetOf(summary('UP', '2026-12-07T06:00:00.000Z'));
    const used: unknown[] = [];
    const health = { useFleet: (source: unknown) => used.push(source), fleet: () => current, fleet$ } as unknown as HealthService;
    const store = new FleetStore({ nodeId: 'solo', heartbeatMs: 1000, holdsNodeId: true, peers: () => [] });
    const cluster = { enabled: false, isLeader: false, fleet: store } as unknown as ClusterMembershipService;
    const config = { nodeId: 'solo', heartbeatMs: 1000, healthDetails: 'always' } as BrokerConfig;
    const service = new FleetHealthService(config, cluster, health);
    const change = (snapshot: FleetSnapshot) => {
      current = snapshot;
      fleet$.next(snapshot);
    };
    return { broker, service, store, used, change };
  }

  it("hands the library the cluster's store, and a single node publishes its health and the verdict, retained in the broker", async () => {
    const { broker, service, store, used, change } = await single();
    service.onModuleInit();
    expect(used).toEqual([store]);
    service.serve(broker);
    await settle();
    expect(JSON.parse(await retainedOf(broker, '$SYS/solo/health'))).toMatchObject({ node: 'solo', status: 'UP' });
    expect(JSON.parse(await retainedOf(broker, '$SYS/fleet/health'))).toMatchObject({ status: 'UP', members: { solo: 'UP' } });
    change(fleetOf(summary('DOWN', '2026-12-07T06:00:01.000Z')));
    await settle();
    expect(JSON.parse(await retainedOf(broker, '$SYS/solo/health'))).toMatchObject({ status: 'DOWN' });
    expect(JSON.parse(await retainedOf(broker, '$SYS/fleet/health'))).toMatchObject({ status: 'DOWN' });
    await service.leave();
  });

  it('answers a message that calls it UNREACHABLE with its own summary, and clears its retained health at its leave', async () => {
    const { broker, service } = await single();
    service.serve(broker);
    await settle();
    const own = await retainedOf(broker, '$SYS/solo/health');
    const unreachable = JSON.stringify({ node: 'solo', status: 'UNREACHABLE' });
    await new Promise((resolve) =>
      broker.publish(
        { cmd: 'publish', topic: '$SYS/solo/health', payload: Buffer.from(unreachable), qos: 0, retain: true, dup: false },
        resolve,
      ),
    );
    await settle();
    expect(await retainedOf(broker, '$SYS/solo/health')).toBe(own);
    await service.leave();
    expect(await retainedOf(broker, '$SYS/solo/health')).toBe('');
    // Nothing after the leave: not even an answer to another UNREACHABLE.
    await new Promise((resolve) =>
      broker.publish(
        { cmd: 'publish', topic: '$SYS/solo/health', payload: Buffer.from(unreachable), qos: 0, retain: true, dup: false },
        resolve,
      ),
    );
    await settle();
    expect(await retainedOf(broker, '$SYS/solo/health')).toBe(unreachable);
  });
});
