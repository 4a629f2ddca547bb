import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Aedes } from 'aedes';
import type { Redis } from 'ioredis';
import { HealthService } from 'nestjs-mqtt-health';
import type { Subscription } from 'rxjs';
import { BROKER_CONFIG, type BrokerConfig } from '../config/index.js';
import { withTimeout } from '../storage/broker-storage.js';
import { ClusterMembershipService } from './cluster-membership.service.js';
import { FleetMqtt, memberHealthTopic, type RetainedPacket } from './fleet-mqtt.js';
import { READS_PER_HEARTBEAT } from './fleet-store.js';

/**
 * The broker's part in its fleet's health: hands the library the cluster's store of summaries (this node
 * alone without Redis) before anything is served, shares and reads through Redis once the cluster has
 * joined, and publishes the fleet's health on `$SYS/` through the broker (fleet-mqtt.ts).
 */
@Injectable()
export class FleetHealthService implements OnModuleInit {
  private readonly logger = new Logger('Fleet');
  private mqtt?: FleetMqtt;
  private subscription?: Subscription;
  private timer?: NodeJS.Timeout;
  private stopListening?: () => Promise<void>;

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    private readonly cluster: ClusterMembershipService,
    private readonly health: HealthService,
  ) {}

  onModuleInit(): void {
    this.health.useFleet(this.cluster.fleet);
  }

  /** The broker exists (and has joined its cluster, if any): summaries travel through `control`, health on `$SYS/`. */
  serve(broker: Aedes, control?: Redis): void {
    const { cluster, health } = this;
    if (cluster.enabled && control) void cluster.joined.then(() => cluster.fleet.start(control));
    const mqtt = new FleetMqtt({
      nodeId: this.config.nodeId,
      showDetails: this.config.healthDetails === 'always',
      speaksForFleet: () => !cluster.enabled || (cluster.isLeader && cluster.fleet.loaded),
      publish: (topic, payload) => this.publish(broker, topic, payload),
      // Unread within a heartbeat (Redis hung): everything is said once.
      readRetained: async (topics) => {
        const found = await withTimeout(readRetained(broker, topics), this.config.heartbeatMs);
        this.logger.debug(
          `leading: ${found ? `${found.size} of ${topics.length} health topics hold a message` : 'retained health unread'}`,
        );
        return found ?? new Map();
      },
    });
    this.mqtt = mqtt;
    this.subscription = health.fleet$.subscribe((fleet) => mqtt.update(fleet));
    // Leadership changes without the fleet changing: a new leader speaks within half a heartbeat.
    this.timer = setInterval(() => mqtt.update(health.fleet()), this.config.heartbeatMs / READS_PER_HEARTBEAT);
    this.timer.unref();
    mqtt.update(health.fleet());
    this.stopListening = this.listenToOwnTopic(broker, mqtt);
  }

  /** The final leave: this node's retained health cleared, nothing more published. */
  async leave(): Promise<void> {
    clearInterval(this.timer);
    this.subscription?.unsubscribe();
    await this.stopListening?.();
    await this.mqtt?.leave();
  }

  /** What anyone publishes on this node's own health topic (a leader's UNREACHABLE, say); returns what stops listening. */
  private listenToOwnTopic(broker: Aedes, mqtt: FleetMqtt): () => Promise<void> {
    const topic = memberHealthTopic(this.config.nodeId);
    const heard = (packet: { payload: Buffer | string }, done: () => void) => {
      mqtt.heardOwn(packet.payload.toString());
      done();
    };
    broker.subscribe(topic, heard as never, () => undefined);
    return () => new Promise((resolve) => broker.unsubscribe(topic, heard as never, () => resolve()));
  }

  private publish(broker: Aedes, topic: string, payload: string): Promise<void> {
    return new Promise((resolve) =>
      broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: true, dup: false }, (error) => {
        if (error) this.logger.debug(`could not publish ${topic}: ${error.message}`);
        resolve();
      }),
    );
  }
}

/** The retained messages of `topics`, from the broker's persistence (shared by the cluster): one read per topic, no scan. */
async function readRetained(broker: Aedes, topics: readonly string[]): Promise<ReadonlyMap<string, string>> {
  const found = new Map<string, string>();
  const { persistence } = broker as unknown as {
    persistence: { createRetainedStreamCombi(patterns: string[]): AsyncIterable<RetainedPacket> };
  };
  for await (const packet of persistence.createRetainedStreamCombi([...topics])) found.set(packet.topic, packet.payload.toString());
  return found;
}
