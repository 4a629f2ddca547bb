import type { NumberedPacket } from './numbered-packet.js';

/** How long a retained QoS 1/2 message may sit between its retained write and its queue write before it stops holding others back. */
const RETAINED_TO_ENQUEUE_MS = 1000;

export interface PublishEntry {
  readonly packet: NumberedPacket;
  readonly counter: number;
  /** Set once the enqueue finished: hands its outcome to Aedes. */
  release?: () => void;
  retainedTimer?: NodeJS.Timeout;
  expectEnqueue(): void;
}

/** The QoS 1/2 messages of this broker between their first write and their release, in arrival order. */
export class PublishQueue {
  private readonly waiting: PublishEntry[] = [];
  private readonly byPacket = new Map<object, PublishEntry>();
  private brokerId?: string;

  /** The message's entry (created on its first write); undefined when it is not ordered (QoS 0, or not numbered). */
  enter(packet: NumberedPacket): PublishEntry | undefined {
    if (!packet || !(packet.qos! > 0) || typeof packet.brokerCounter !== 'number' || !packet.brokerId) return undefined;
    const known = this.byPacket.get(packet);
    if (known) {
      clearTimeout(known.retainedTimer);
      return known;
    }
    // Counters are per broker; a message numbered elsewhere is not ordered against ours.
    this.brokerId ??= packet.brokerId;
    if (packet.brokerId !== this.brokerId) return undefined;
    const entry: PublishEntry = {
      packet,
      counter: packet.brokerCounter,
      expectEnqueue: () => {
        // Aedes enqueues right after the retained write; should it not (an error in between), stop waiting.
        entry.retainedTimer = setTimeout(() => this.leave(entry), RETAINED_TO_ENQUEUE_MS).unref();
      },
    };
    this.byPacket.set(packet, entry);
    let at = this.waiting.length;
    while (at > 0 && this.waiting[at - 1].counter > entry.counter) at--;
    this.waiting.splice(at, 0, entry);
    return entry;
  }

  /** Resolves (or rejects) like `write`, once every earlier message has been released. */
  releaseInTurn<T>(entry: PublishEntry, write: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      write.then(
        (value) => (entry.release = () => resolve(value)),
        (error: unknown) => (entry.release = () => reject(error)),
      );
      void write.then(
        () => this.releaseReady(),
        () => this.releaseReady(),
      );
    });
  }

  leave(entry: PublishEntry): void {
    clearTimeout(entry.retainedTimer);
    this.byPacket.delete(entry.packet);
    const at = this.waiting.indexOf(entry);
    if (at >= 0) this.waiting.splice(at, 1);
    this.releaseReady();
  }

  private releaseReady(): void {
    while (this.waiting.length > 0 && this.waiting[0].release) {
      const entry = this.waiting.shift()!;
      this.byPacket.delete(entry.packet);
      entry.release!();
    }
  }
}
