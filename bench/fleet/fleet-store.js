// The demo's fleet store for one simulated member, as the demo wires it: the FleetStore its compiled
// ClusterMembershipService builds (apps/broker/dist/cluster/fleet-store.js), started once the member
// has joined and stopped by its leave.

/** Member `member`'s fleet store; `{ source, close() }`. */
export async function openFleetStore({ member }) {
  const source = member.membership.fleet;
  if (!source) throw new Error('bench/fleet: apps/broker/dist has no fleet store: run `npm run build` first');
  return { source, close: async () => undefined };
}
