import type { Aedes, Client } from 'aedes';

interface SysPacket {
  readonly topic: string;
  readonly payload: Buffer | string;
}

/** What Aedes has at run time but its types leave out. */
interface AedesInternals {
  readonly clients: Readonly<Record<string, Client>>;
  readonly mq: { on(topic: string, listener: (packet: SysPacket, done: () => void) => void): void };
}

/**
 * The sessions this node holds (FluxMQ's `sessions`): every connected client, plus each persistent
 * session (clean: false) whose client disconnected from this node and has not connected again since,
 * here or on another node of the cluster (which announces it on `$SYS/<its id>/new/clients`), plus the
 * sessions its own store kept from before this process started (`restored`), until their clients return.
 */
export class SessionCount {
  private broker?: Aedes;
  private readonly offline = new Set<string>();
  /** Clients another node took over: their disconnect here is not a session left behind. */
  private readonly movedAway = new Set<string>();
  /** Stored sessions from before this process whose client has not connected again yet. */
  private restored = 0;
  /** Persistent clients seen by this process while `restored` is above 0; `fresh`: connecting for the first time. */
  private readonly seen = new Set<string>();
  private readonly fresh = new Set<string>();

  /** `restored`: the sessions the node's own store holds at start (none with a store shared by a cluster). */
  watch(broker: Aedes, restored = 0): void {
    this.broker = broker;
    this.restored = restored;
    const { clients, mq } = broker as unknown as AedesInternals;
    broker.on('client', (client: Client) => {
      this.offline.delete(client.id);
      if (this.restored === 0 || client.clean || this.seen.has(client.id)) return;
      this.seen.add(client.id);
      this.fresh.add(client.id);
    });
    // A first connection that finds its session present resumes one of the restored sessions.
    broker.on('connackSent', (connack: { sessionPresent?: boolean }, client: Client) => {
      if (!this.fresh.delete(client.id) || !connack.sessionPresent || this.restored === 0) return;
      if (--this.restored === 0) this.seen.clear();
    });
    broker.on('clientDisconnect', (client: Client) => {
      if (this.movedAway.delete(client.id) || client.clean) return;
      this.offline.add(client.id);
    });
    mq.on('$SYS/+/new/clients', (packet: SysPacket, done: () => void) => {
      const serverId = packet.topic.split('/')[1];
      const clientId = packet.payload.toString();
      if (serverId !== broker.id) {
        this.offline.delete(clientId);
        if (clients[clientId]) this.movedAway.add(clientId);
      }
      done();
    });
  }

  get count(): number {
    return (this.broker?.connectedClients ?? 0) + this.offline.size + this.restored;
  }
}
