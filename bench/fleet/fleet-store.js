// The demo's fleet for one simulated member, wired as the demo wires it (apps/broker/dist): the
// FleetStore its ClusterMembershipService holds, handed to the library and started on the member's
// control connection by the demo's FleetHealthService, which also publishes `$SYS/<id>/health` (and, on
// the leader, `$SYS/fleet/health`) through the member's broker. The member's leave drops its summary.
import { FleetHealthService } from '../../apps/broker/dist/cluster/fleet-health.service.js';

/**
 * Member `member`'s fleet: `source` (the store the library reads and shares to), `attach()` hands it to
 * `health` and starts it as the broker does once it has joined, `close()` stops the MQTT side.
 */
export function openFleetStore({ member, health, heartbeatMs }) {
  const source = member.membership.fleet;
  if (!source) throw new Error('bench/fleet: apps/broker/dist has no fleet store: run `npm run build` first');
  const config = { nodeId: member.id, heartbeatMs, healthDetails: 'always' };
  const service = new FleetHealthService(config, member.membership, health);
  return {
    source,
    attach() {
      service.onModuleInit();
      service.serve(member.broker, member.control);
    },
    close: () => service.leave(),
  };
}
