import type { Aedes, Client } from 'aedes';

interface SysPacket {
  readonly topic: string;
  readonly payload: Buffer | string;
}

/** What Aedes has at run time but its types leave out. */
interface AedesInternals {
  readonly clients: Readonly<Record<string, Client & { readonly subscriptions: Readonly<Record<string, unknown>> }>>;
  readonly mq: { on(topic: string, listener: (packet: SysPacket, done: () => void) => void): void };
}

/** The node's own store, counted: clients that hold stored subscriptions (Aedes stores them for persistent sessions only). */
export interface SessionStore {
  countOffline(): Promise<{ clientsCount: number }>;
}

/** How often the store is counted again, at most: a count walks every stored subscription. */
export const STORE_RECOUNT_MS = 2000;

/**
 * The sessions this node holds (FluxMQ's `sessions`): every connected client, plus each persistent session
 * (clean: false, with a subscription: what Aedes resumes) whose client is not connected.
 *
 * With the node's own store (embedded), the store says it: the persistent sessions it holds, connected or not,
 * counted at most every STORE_RECOUNT_MS, so a restart, a clean takeover or an expiry reads as the store has it.
 * With a store shared by a cluster, each node counts the sessions its clients left here and have not taken up
 * again since, here or on another node (which announces it on `$SYS/<its id>/new/clients`).
 */
export class SessionCount {
  private broker?: Aedes;
  private store?: SessionStore;
  private readonly offline = new Set<string>();
  /** Clients another node took over: their disconnect here is not a session left behind. */
  private readonly movedAway = new Set<string>();
  /** Connected persistent clients that subscribed or resumed a session: what Aedes keeps when they leave. */
  private readonly subscribed = new Set<string>();
  /** The store's latest count, and when it was asked. */
  private stored = 0;
  private countedAt = -Infinity;
  private counting = false;

  /**
   * `store`: the node's own store, when it has one; omitted for a store shared by a cluster. Resolves once the
   * store has been counted, so the first answer after the broker starts already has its sessions.
   */
  async watch(broker: Aedes, store?: SessionStore): Promise<void> {
    this.broker = broker;
    this.store = store;
    if (store) return this.recount();
    const { clients, mq } = broker as unknown as AedesInternals;
    broker.on('client', (client: Client) => this.offline.delete(client.id));
    // Aedes empties `client.subscriptions` as the connection closes: note who subscribed while it was open.
    broker.on('subscribe', (_subscriptions: unknown, client: Client | null) => {
      if (client && !client.clean) this.subscribed.add(client.id);
    });
    broker.on('connackSent', (connack: { sessionPresent?: boolean }, client: Client) => {
      if (connack.sessionPresent) this.subscribed.add(client.id);
    });
    broker.on('clientDisconnect', (client: Client) => {
      const kept = this.subscribed.delete(client.id);
      if (this.movedAway.delete(client.id) || client.clean || !kept) return;
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
    const broker = this.broker;
    if (!broker) return 0;
    if (!this.store) return broker.connectedClients + this.offline.size;
    if (Date.now() - this.countedAt >= STORE_RECOUNT_MS) void this.recount();
    // Connected persistent clients with subscriptions are in the store too: count them once.
    const connectedStored = Object.values((broker as unknown as AedesInternals).clients).filter(
      (client) => !client.clean && hasSubscriptions(client),
    ).length;
    return broker.connectedClients + Math.max(0, this.stored - connectedStored);
  }

  private async recount(): Promise<void> {
    if (this.counting || !this.store) return;
    this.counting = true;
    this.countedAt = Date.now();
    await this.store
      .countOffline()
      .then(({ clientsCount }) => (this.stored = clientsCount))
      .catch(() => undefined)
      .finally(() => (this.counting = false));
  }
}

function hasSubscriptions(client: Client): boolean {
  const { subscriptions } = client as Client & { readonly subscriptions?: Readonly<Record<string, unknown>> };
  return subscriptions !== undefined && Object.keys(subscriptions).length > 0;
}
