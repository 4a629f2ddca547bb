/**
 * Connections the kernel queues for a health port before it drops new ones (capped by the host's
 * net.core.somaxconn): above a storm's size, so a probe's connection is queued, not dropped and
 * retried a second later, past its deadline.
 */
export const LISTEN_BACKLOG = 4096;

/** How often a listener over its capacity looks again while every connection it may close is computing an answer. */
const BUSY_RETRY_MS = 20;

/** A new connection that has not sent anything yet keeps its slot this long: its request may be on its way. */
export const SILENT_GRACE_MS = 250;

/** A connection as its slots see it. */
export interface SlotHolder {
  /** Computing an answer right now: not closed to make room (it finishes within the indicator timeouts). */
  readonly busy: boolean;
  /** Closes the connection to make room for a newer one. */
  close(): void;
}

/** One connection's place in the recency order of its ConnectionSlots. */
export class Slot {
  /** Toward the least recently active. */
  older?: Slot;
  /** Toward the most recently active. */
  newer?: Slot;
  held = true;
  /** Has sent something since it arrived. */
  spoken = false;

  constructor(
    readonly holder: SlotHolder,
    private readonly slots: ConnectionSlots,
    /** The turn of the event loop in which the connection arrived, and when. */
    readonly turn: number,
    readonly arrivedAt: number,
  ) {}

  /** The connection did something: it moves to the most recently active end. O(1), no allocation. */
  touch(): void {
    this.slots.touch(this);
  }

  /** The connection closed. */
  release(): void {
    this.slots.release(this);
  }
}

/**
 * A listener's connections in order of last activity (a silent one's is its arrival). A connection is
 * always admitted; past the capacity the least recently active ones are closed, once the event loop
 * turns, to get back under it. Never closed for room: a connection computing an answer, and a new one
 * that has not sent its request yet, for its first turn of the event loop and at least SILENT_GRACE_MS
 * (a probe whose request is on its way). So a full listener still answers every new probe, and what it
 * closes is what has been idle longest.
 */
export class ConnectionSlots {
  private oldest?: Slot;
  private newest?: Slot;
  private held = 0;
  private turn = 0;
  private sweeping = false;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.held;
  }

  admit(holder: SlotHolder): Slot {
    const over = this.held >= this.capacity;
    // Everything that arrived before this connection has had its turn to be read.
    if (over && !this.sweeping) this.turn++;
    const slot = new Slot(holder, this, this.turn, performance.now());
    this.append(slot);
    this.held++;
    if (over && !this.sweeping) {
      this.sweeping = true;
      setImmediate(this.sweep);
    }
    return slot;
  }

  touch(slot: Slot): void {
    slot.spoken = true;
    if (!slot.held || slot === this.newest) return;
    this.unlink(slot);
    this.append(slot);
  }

  release(slot: Slot): void {
    if (!slot.held) return;
    slot.held = false;
    this.unlink(slot);
    this.held--;
  }

  /**
   * Closes the least recently active connections until the capacity holds again, passing over busy
   * ones; a silent newcomer still in its grace stops the sweep until it speaks or its grace ends, so
   * nothing more recent than it is closed meanwhile.
   */
  private readonly sweep = (): void => {
    let waitMs = BUSY_RETRY_MS;
    for (let slot = this.oldest; this.held > this.capacity && slot;) {
      const newer = slot.newer;
      if (!slot.spoken) {
        if (slot.turn === this.turn) {
          waitMs = 0;
          break;
        }
        const graceLeft = slot.arrivedAt + SILENT_GRACE_MS - performance.now();
        if (graceLeft > 0) {
          waitMs = graceLeft;
          break;
        }
      }
      if (!slot.holder.busy) {
        this.release(slot);
        slot.holder.close();
      }
      slot = newer;
    }
    this.turn++;
    this.sweeping = this.held > this.capacity;
    if (!this.sweeping) return;
    if (waitMs === 0) setImmediate(this.sweep);
    else setTimeout(this.sweep, waitMs).unref();
  };

  private append(slot: Slot): void {
    slot.older = this.newest;
    slot.newer = undefined;
    if (this.newest) this.newest.newer = slot;
    else this.oldest = slot;
    this.newest = slot;
  }

  private unlink(slot: Slot): void {
    if (slot.older) slot.older.newer = slot.newer;
    else this.oldest = slot.newer;
    if (slot.newer) slot.newer.older = slot.older;
    else this.newest = slot.older;
    slot.older = slot.newer = undefined;
  }
}
