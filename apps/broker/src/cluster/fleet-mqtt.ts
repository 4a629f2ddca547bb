import { fleetMemberBody, fleetStatusBody, type FleetMember, type FleetSnapshot } from 'nestjs-mqtt-health';

/** Each member's health, retained: its summary as `GET /api/v1/health/fleet/<node>` renders it. */
export const memberHealthTopic = (node: string): string => `$SYS/${node}/health`;
/** The fleet's verdict, retained: status, quorum, counts and each member's status. */
export const FLEET_HEALTH_TOPIC = '$SYS/fleet/health';

/** A retained message as the broker's persistence streams it. */
export interface RetainedPacket {
  readonly topic: string;
  readonly payload: Buffer | string;
}

export interface FleetMqttOptions {
  readonly nodeId: string;
  /** Reasons and version in the payloads: HEALTH_DETAILS=always (a subscriber presents no token). */
  readonly showDetails: boolean;
  /** Whether this node speaks for the fleet now: the cluster's leader once it has read every summary, or a single node. */
  speaksForFleet(): boolean;
  /** Publishes `payload` retained at QoS 0 on `topic` (an empty payload clears the retained message); resolves once handed over. */
  publish(topic: string, payload: string): Promise<void>;
  /** The retained messages of `topics` (no wildcards: each is read directly): topic -> payload. */
  readRetained(topics: readonly string[]): Promise<ReadonlyMap<string, string>>;
}

/**
 * The fleet's health over MQTT, each message published by one node only, through the cluster's emitter
 * (so a subscriber on any node receives it once) and retained (so a late subscriber reads the current
 * state): each node publishes its own summary when it changes; the leader publishes the fleet's verdict
 * when it reads differently, and for a member that turns UNREACHABLE (a broker cannot publish its own
 * will) that member's last summary, without reasons or version, once per transition; it clears the retained message of an unreachable
 * member that the fleet forgot. A new leader first reads what its predecessor left retained, and says only
 * what differs. A node leaving clears its own; a live node that hears itself called UNREACHABLE says its
 * summary again.
 */
export class FleetMqtt {
  /** The `updatedAt` of the own summary last published, and what was published. */
  private publishedOwn?: string;
  private ownPayload?: string;
  /** The verdict last published while leading, without its time. */
  private publishedFleet?: string;
  /** Members whose UNREACHABLE summary this node published while leading (or found retained as it began to). */
  private unreachable = new Set<string>();
  /** Leading, and since when: 'seeding' while it reads what the previous leader left retained. */
  private leading: 'no' | 'seeding' | 'yes' = 'no';
  private latest?: FleetSnapshot;
  /** Publishes in order: a later state of a topic never lands before an earlier one. */
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: FleetMqttOptions) {}

  /** A new state of the fleet. */
  update(fleet: FleetSnapshot): void {
    if (this.stopped) return;
    this.latest = fleet;
    const { showDetails } = this.options;
    const self = fleet.members.find((member) => member.self);
    if (self?.summary && self.summary.updatedAt !== this.publishedOwn) {
      this.publishedOwn = self.summary.updatedAt;
      this.ownPayload = JSON.stringify(fleetMemberBody(self, showDetails));
      this.send(memberHealthTopic(self.node), this.ownPayload);
    }
    if (!this.options.speaksForFleet()) {
      this.leading = 'no';
      return;
    }
    if (this.leading === 'no') void this.seed(fleet);
    if (this.leading !== 'yes') return;
    const { 'updated-at': at, ...verdict } = fleetStatusBody(fleet);
    const said = JSON.stringify(verdict);
    if (said !== this.publishedFleet) {
      this.publishedFleet = said;
      this.send(FLEET_HEALTH_TOPIC, JSON.stringify({ ...verdict, 'updated-at': at }));
    }
    this.announceUnreachable(fleet.members);
  }

  /**
   * A message on this node's own topic: a leader that read this node UNREACHABLE (it restarted under its id
   * while the leader changed, or it was cut off for a while) said so after this node's last word. This node
   * is alive: its summary goes out again, once per such message.
   */
  heardOwn(payload: string): void {
    if (this.stopped || this.ownPayload === undefined || !payload.includes('"UNREACHABLE"')) return;
    if (statusOf(payload) === 'UNREACHABLE') this.send(memberHealthTopic(this.options.nodeId), this.ownPayload);
  }

  /** Leadership begins: what the fleet's topics hold now, so that only what differs is said. */
  private async seed(fleet: FleetSnapshot): Promise<void> {
    this.leading = 'seeding';
    this.publishedFleet = undefined;
    this.unreachable = new Set();
    const topics = [FLEET_HEALTH_TOPIC, ...fleet.members.filter((member) => !member.self).map((member) => memberHealthTopic(member.node))];
    try {
      for (const [topic, payload] of await this.options.readRetained(topics)) {
        if (topic === FLEET_HEALTH_TOPIC) this.publishedFleet = withoutTime(payload);
        else if (statusOf(payload) === 'UNREACHABLE') this.unreachable.add(topic.split('/')[1]);
      }
    } catch {
      // Unread: everything is said once.
    }
    if (this.leading !== 'seeding') return;
    this.leading = 'yes';
    if (this.latest) this.update(this.latest);
  }

  /** The final leave: nothing more is published, and this node's retained summary is cleared. Resolves once handed over. */
  async leave(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.send(memberHealthTopic(this.options.nodeId), '');
    await this.queue;
  }

  private announceUnreachable(members: readonly FleetMember[]): void {
    const now = new Set<string>();
    for (const member of members) {
      if (member.self || member.status !== 'UNREACHABLE') continue;
      now.add(member.node);
      // Without reasons or version: the member's own HEALTH_DETAILS may hide them, and this node cannot know it.
      if (!this.unreachable.has(member.node)) this.send(memberHealthTopic(member.node), JSON.stringify(fleetMemberBody(member, false)));
    }
    // Forgotten while unreachable (it never came back): its last word goes too.
    for (const node of this.unreachable)
      if (!now.has(node) && !members.some((m) => m.node === node)) this.send(memberHealthTopic(node), '');
    this.unreachable = now;
  }

  private send(topic: string, payload: string): void {
    this.queue = this.queue.then(() => this.options.publish(topic, payload)).catch(() => undefined);
  }
}

function statusOf(payload: string): unknown {
  try {
    return (JSON.parse(payload) as { status?: unknown } | null)?.status;
  } catch {
    return undefined;
  }
}

/** A verdict's payload without its time, as compared with the next one. */
function withoutTime(payload: string): string | undefined {
  try {
    const { 'updated-at': _at, ...verdict } = JSON.parse(payload) as Record<string, unknown>;
    return JSON.stringify(verdict);
  } catch {
    return undefined;
  }
}
