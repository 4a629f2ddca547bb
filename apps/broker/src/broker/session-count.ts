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
 * here or on another node of the cluster (which announces it on `$SYS/<its id>/new/clients`).
 */
export class SessionCount {
  private broker?: Aedes;
  private readonly offline = new Set<string>();
  /** Clients another node took over: their disconnect here is not a session left behind. */
  private readonly movedAway = new Set<string>();

  watch(broker: Aedes): void {
    this.broker = broker;
    const { clients, mq } = broker as unknown as AedesInternals;
    broker.on('client', (client: Client) => this.offline.delete(client.id));
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
    return (this.broker?.connectedClients ?? 0) + this.offline.size;
  }
}
