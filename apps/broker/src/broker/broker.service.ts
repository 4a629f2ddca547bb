import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Aedes, type AedesOptions, type Client, type PublishPacket } from 'aedes';
import { HealthService, type BrokerState, type StorageProbe } from 'nestjs-mqtt-health';
import { ClusterMembershipService } from '../cluster/cluster-membership.service.js';
import { FleetHealthService } from '../cluster/fleet-health.service.js';
import { BROKER_CONFIG, type BrokerConfig } from '../config/index.js';
import { escapeClientText } from '../extensions/extension-error.util.js';
import { ExtensionHost } from '../extensions/extension-host.service.js';
import { MqttListenersService } from '../listeners/mqtt-listeners.service.js';
import { deliverEveryMessage, openStorage, withTimeout, type BrokerStorage } from '../storage/broker-storage.js';
import { SessionCount } from './session-count.js';

/**
 * Owns the Aedes broker: opens storage, creates the broker, joins the cluster, binds the listeners,
 * and declares start-up complete. It starts once the app (and its Health API) is up, so probes can
 * watch it start: liveness UP, readiness OUT_OF_SERVICE while it waits for Redis, say.
 * On shutdown it closes everything, after the health module's drain.
 */
@Injectable()
export class BrokerService implements BrokerState, StorageProbe, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Broker');
  private broker?: Aedes;
  private storage?: BrokerStorage;
  private brokerStartedAt?: number;
  /** Why Redis refuses this broker (REDIS_URL's credentials), while it does. */
  private storageRefusal?: string;
  /** Why Redis cannot be reached while storage opens (`redis unreachable: connect ECONNREFUSED …`). */
  private storageUnreachable?: string;
  /** QoS 1 packets already stored and routed before their PUBACK; Aedes must not publish them again. */
  private readonly publishedBeforeAck = new WeakSet<object>();
  private publishNow!: (packet: PublishPacket, client: Client | null, done: (error?: Error) => void) => void;
  private readonly stopping = new AbortController();
  private readonly sessionCount = new SessionCount();
  /** Settles once the broker serves (storage open, cluster joined, listeners bound); rejects if it cannot start. */
  started!: Promise<void>;

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    private readonly listeners: MqttListenersService,
    private readonly cluster: ClusterMembershipService,
    private readonly extensions: ExtensionHost,
    private readonly health: HealthService,
    private readonly fleet: FleetHealthService,
  ) {}

  get brokerId(): string | undefined {
    return this.broker?.id;
  }

  get nodeId(): string {
    return this.config.nodeId;
  }

  get connectedClients(): number {
    return this.broker?.connectedClients ?? 0;
  }

  get startedAt(): number | undefined {
    return this.brokerStartedAt;
  }

  get closed(): boolean {
    return this.broker?.closed ?? false;
  }

  /** Before the broker exists: its storage (and why it cannot open), then its extensions. */
  get waitingFor(): string | undefined {
    if (this.broker) return undefined;
    if (this.storage) return 'extensions to start';
    const cause = this.openingFailure;
    return cause ? `storage: ${cause}` : 'storage to open';
  }

  get sessions(): number {
    return this.sessionCount.count;
  }

  get type(): 'level' | 'redis' {
    return this.config.redisUrl ? 'redis' : 'level';
  }

  get starting(): boolean {
    return this.storage === undefined && this.storageRefusal === undefined && !this.stopping.signal.aborted;
  }

  ping(): Promise<void> {
    if (!this.storage) return Promise.reject(new Error(this.storageRefusal ?? 'storage not open'));
    return this.storage.ping();
  }

  get openingFailure(): string | undefined {
    return this.storage ? undefined : (this.storageRefusal ?? this.storageUnreachable);
  }

  get warning(): string | undefined {
    return this.storage?.warning;
  }

  onApplicationBootstrap(): void {
    this.started = this.start();
    this.started.then(
      // Start-up completes with a fresh check of every member; "ready" is logged once readiness can say so.
      () => this.health.markStartupComplete().then(() => this.logger.log(`broker ${this.config.nodeId} ready`)),
      (error: Error) =>
        this.stopping.signal.aborted || error.name === 'AbortError' || this.logger.error(`broker failed to start: ${error.message}`),
    );
  }

  private async start(): Promise<void> {
    const signal = this.stopping.signal;
    // Redis refusing REDIS_URL's credentials is a reason storage and cluster give, not a start still under way.
    // An unreachable Redis is why storage, the broker and the cluster's join all wait: each says so.
    this.storage = await openStorage(
      this.config,
      this.logger,
      signal,
      (refusal) => {
        this.storageRefusal = refusal;
        this.cluster.refusedByRedis(refusal);
      },
      (cause) => {
        this.storageUnreachable = cause;
        this.cluster.dependencyUnreachable(cause);
      },
    );
    signal.throwIfAborted();
    await this.extensions.start();
    const options: AedesOptions = {
      id: this.config.nodeId,
      persistence: this.storage.persistence,
      heartbeatInterval: this.config.heartbeatMs,
      // Before anything reaches the client: Aedes alone drops messages that arrive out of order.
      preConnect: (client, _packet, callback) => {
        deliverEveryMessage(client);
        callback(null, true);
      },
      authorizePublish: (client, packet, callback) => this.authorizePublish(client, packet as PublishPacket, callback),
      authorizeSubscribe: (client, subscription, callback) => this.extensions.authorizeSubscribe(client, subscription, callback),
    };
    if (this.storage.mq) options.mq = this.storage.mq;
    const broker = await Aedes.createBroker(options);
    this.broker = broker;
    // The embedded store is this node's own and says which sessions it holds; a store shared by a cluster is every node's.
    const sessionsCounted = this.sessionCount.watch(broker, this.storage.type === 'level' ? this.storage.persistence : undefined);
    this.storeBeforeAck(broker);
    // Without this listener a storage outage would kill the process. A failed write turns storage
    // unavailable; the errors an outage causes (every will sweep, say) are logged once per outage.
    const storage = this.storage;
    (broker as NodeJS.EventEmitter).on('error', (error: Error) => storage.reportError('broker', error));
    // Both the id and the message (which may quote a packet) are the client's text: escaped, so they cannot forge a log line.
    broker.on('clientError', (client: Client, error: Error) =>
      this.logger.debug(`client ${escapeClientText(String(client.id))}: ${escapeClientText(String(error?.message))}`),
    );
    await sessionsCounted;
    this.brokerStartedAt = Date.now();
    if (this.cluster.enabled) await this.cluster.join(broker, this.storage.control!);
    signal.throwIfAborted();
    this.fleet.serve(broker, this.storage.control);
    await this.listeners.start(broker);
    if (this.cluster.enabled) await abortable(this.cluster.joined, signal);
  }

  /** Runs after the health module's drain: the broker served while readiness read OUT_OF_SERVICE. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.started?.catch(() => undefined);
    const listenersClosed = this.listeners.stop();
    const broker = this.broker;
    // Each step runs even if one before it failed: a half-closed broker must still let go of its storage.
    await this.step('leave the fleet', () => withTimeout(this.fleet.leave(), 1000));
    await this.step('leave the cluster', async () => this.cluster.enabled && (await withTimeout(this.cluster.leave(), 1000)));
    await this.step('disconnect clients', () =>
      broker ? withTimeout(new Promise<void>((resolve) => broker.close(() => resolve())), 5000) : undefined,
    );
    await this.step('close listeners', () => withTimeout(listenersClosed, 2000));
    await this.step('stop extensions', () => this.extensions.stop());
    await this.step('close storage', () => this.storage?.close());
    this.logger.log('broker closed');
  }

  private async step(what: string, run: () => unknown): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.logger.error(`shutdown: could not ${what}: ${(error as Error).message}`);
    }
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    if (client && (packet.topic === '$SYS' || packet.topic.startsWith('$SYS/')))
      return callback(new Error('$SYS topics are reserved to the broker'));
    // Refuse what cannot be stored: the publisher is disconnected and retries, through the load balancer, elsewhere.
    if (packet.qos > 0 && this.storage && !this.storage.available)
      return callback(new Error('storage unavailable: QoS 1/2 publish refused'));
    // The hot path (QoS 0, no extension running) allocates nothing.
    if (packet.qos === 0 && !this.extensions.active) return callback(null);
    this.extensions.authorizePublish(client, packet, (error) => {
      if (error || packet.qos !== 1 || !client) return callback(error);
      this.publishThenAcknowledge(client, packet, callback);
    });
  }

  /**
   * Aedes writes a QoS 1 PUBACK before it stores and routes the message, so a storage outage loses
   * acknowledged messages. Here the message is stored and routed first; if storage is lost before
   * that completes, the publish is refused (no PUBACK) and the client sends it again: at least once.
   */
  private publishThenAcknowledge(client: Client, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    let settled = false;
    const settle = (error?: Error | null) => {
      if (settled) return;
      settled = true;
      stopWatching();
      callback(error);
    };
    const stopWatching = this.storage!.onUnavailable(() =>
      settle(new Error('storage lost before the message was stored: not acknowledged')),
    );
    this.publishNow(packet, client, (error) => {
      if (!error && !settled) this.publishedBeforeAck.add(packet);
      settle(error);
    });
  }

  /** Makes Aedes skip the publish that follows a PUBACK when the message was already published. */
  private storeBeforeAck(broker: Aedes): void {
    const publish = broker.publish.bind(broker) as unknown as (
      packet: PublishPacket,
      client: Client | null,
      done?: (error?: Error) => void,
    ) => void;
    this.publishNow = (packet, client, done) => publish(packet, client, done);
    (broker as unknown as { publish: typeof publish }).publish = (packet, client, done) => {
      if (typeof client === 'function') return publish(packet, null, client);
      if (packet.qos === 1 && this.publishedBeforeAck.delete(packet)) return done?.();
      publish(packet, client, done);
    };
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
