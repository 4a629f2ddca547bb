// A fleet member with its health: the cluster member of member.js, the demo's compiled fleet store
// (apps/broker/dist/cluster/fleet-*.js) on its control connection and broker, and the library's
// HealthService in a Nest application context of its own (no HTTP listener): a `bench` component this
// simulation turns DOWN and UP, and the cluster component. Every summary the node shares is recorded
// with the time it was handed to the store.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterHealthIndicator, HealthIndicator, HealthModule, HealthService, MQTT_CLUSTER_MEMBERSHIP } from 'nestjs-mqtt-health';
import { openFleetStore } from './fleet-store.js';
import { startMember } from './member.js';

/** A component the simulation flips: its status is whatever `status` holds at the next refresh. */
class BenchHealth {
  status = 'UP';
  check() {
    return this.status === 'UP' ? { status: 'UP' } : { status: this.status, details: { reason: 'turned down by the fleet bench' } };
  }
}
HealthIndicator('bench', { groups: ['readiness'] })(BenchHealth);

/** The demo's refresh interval (app.module.ts): every second, and at least twice a heartbeat. */
export const refreshIntervalMs = (heartbeatMs) => Math.min(1000, Math.floor(heartbeatMs / 2));

function appModule(membership, bench, heartbeatMs) {
  class FleetMemberModule {}
  Module({
    imports: [
      HealthModule.forRoot({
        startup: 'manual',
        refreshIntervalMs: refreshIntervalMs(heartbeatMs),
        resources: false,
        logTransitions: false,
        healthApi: { enabled: false },
        agentCheck: { enabled: false },
        controller: false,
      }),
    ],
    providers: [
      { provide: BenchHealth, useValue: bench },
      { provide: MQTT_CLUSTER_MEMBERSHIP, useValue: membership },
      ClusterHealthIndicator,
    ],
  })(FleetMemberModule);
  return FleetMemberModule;
}

/** Starts member `id` with its health and fleet store; resolves once it has joined and shared its first summary. */
export async function startHealthMember({ url, id, heartbeatMs }) {
  const member = await startMember({ url, id, mode: 'registry', heartbeatMs });
  // A random phase, as in a real fleet: members' refreshes and reads do not tick together.
  await sleep(Math.random() * refreshIntervalMs(heartbeatMs));
  const bench = new BenchHealth();
  const app = await NestFactory.createApplicationContext(appModule(member.membership, bench, heartbeatMs), { logger: false });
  const health = app.get(HealthService);
  const shares = [];
  const store = openFleetStore({ member, health, heartbeatMs });
  const share = store.source.share.bind(store.source);
  // Recorded before the store sees it: the moment the change leaves this node.
  store.source.share = (summary) => {
    const failing = Object.keys(summary.components).filter((name) => summary.components[name].status !== 'UP');
    shares.push({ at: performance.now(), status: summary.status, updatedAt: summary.updatedAt, failing });
    share(summary);
  };
  store.attach();
  await health.markStartupComplete();
  const stopMember = member.stop;
  return Object.assign(member, {
    health,
    bench,
    shares,
    /** The status this node's fleet view gives member `node` right now. */
    statusOf(node) {
      return health.fleet().members.find((m) => m.node === node)?.status;
    },
    async stop() {
      await store.close();
      await stopMember();
      await app.close();
    },
  });
}
