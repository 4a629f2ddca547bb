// aedes-persistence-level and aedes-persistence-redis ship no types; these are the parts the demo uses.
declare module 'aedes-persistence-level' {
  /** Aedes persistence on an abstract-level database (classic-level here). */
  export default function aedesPersistenceLevel(db: object): import('aedes-persistence-types').AedesPersistence;
}

declare module 'aedes-persistence-redis' {
  export default function aedesPersistenceRedis(options: {
    conn: import('ioredis').Redis;
    maxSessionDelivery?: number;
  }): import('aedes-persistence-types').AedesPersistence;
}

declare module 'aedes-persistence-types' {
  export interface AedesPersistence {
    setup(broker: unknown): Promise<void>;
    destroy(): Promise<void>;
    /** Records the message id of a QoS 1/2 delivery to a persistent session, before Aedes writes it. */
    outgoingUpdate(client: unknown, packet: unknown): Promise<void>;
    /** Forgets a delivered QoS 1 message when the subscriber's PUBACK arrives. */
    outgoingClearMessageId(client: unknown, packet: unknown): Promise<unknown>;
    /** Stored subscriptions with QoS > 0, and the clients that hold stored subscriptions. */
    countOffline(): Promise<{ subsCount: number; clientsCount: number }>;
  }
}
