import { HealthStatus, type FleetPeer, type FleetSource, type FleetSummary, type HealthComponent } from 'nestjs-mqtt-health';

/** A fleet held in memory: the tests set its peers, as an app's shared store would learn of them. */
export class FakeFleet implements FleetSource {
  readonly nodeId = 'node-1';
  /** Every summary this node shared. */
  readonly shared: FleetSummary[] = [];
  private readonly members = new Map<string, FleetPeer>();
  private readonly listeners = new Set<() => void>();

  constructor(...peers: FleetPeer[]) {
    for (const peer of peers) this.members.set(peer.node, peer);
  }

  share(summary: FleetSummary): void {
    this.shared.push(summary);
  }

  peers(): readonly FleetPeer[] {
    return [...this.members.values()];
  }

  watch(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds or replaces a peer and tells the library, as a store does when a member writes. */
  set(peer: FleetPeer): void {
    this.members.set(peer.node, peer);
    for (const listener of this.listeners) listener();
  }
}

/** A reachable peer running version 1.4.0: UP, or DOWN because its `acl` extension fails for `reason`. */
export function peer(node: string, failing?: { reason: string }, options: Partial<FleetPeer> = {}): FleetPeer {
  const status = failing ? HealthStatus.DOWN : HealthStatus.UP;
  const extensions: HealthComponent = failing
    ? { status, components: { acl: { status, details: { reason: failing.reason } } } }
    : { status };
  const summary: FleetSummary = {
    v: 1,
    node,
    status,
    state: 'RUNNING',
    groups: { liveness: HealthStatus.UP, readiness: status, startup: HealthStatus.UP },
    components: { broker: { status: HealthStatus.UP }, extensions },
    version: '1.4.0',
    updatedAt: new Date().toISOString(),
  };
  return { node, summary, reachable: true, leaving: false, lastSeen: Date.now(), ...options };
}
