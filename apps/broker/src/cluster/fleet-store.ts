import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { parseSummary, type FleetPeer, type FleetSource, type FleetSummary } from 'nestjs-mqtt-health';
import { DROP_SUMMARY, FLEET_KEYS, READ_SUMMARIES, SHARE_SUMMARY, type SummariesReply } from './fleet-scripts.js';
import { FORGET_AFTER_MS, type MembershipPeer } from './membership-view.js';
import { runScript } from './redis-scripts.js';

/** Read this many times per HEARTBEAT_MS, the cadence of the registry's beats: a change shows within half a heartbeat. */
export const READS_PER_HEARTBEAT = 2;

/** What the store reads of the cluster's membership. */
export interface FleetMembership {
  readonly nodeId: string;
  readonly heartbeatMs: number;
  /** Every peer this node knows of, with when it was last heard from. */
  peers(): readonly MembershipPeer[];
  /** This process holds its node id: it may write under it. */
  readonly holdsNodeId: boolean;
}

/**
 * The fleet as this broker shares it through Redis. `share` writes this node's summary with one EVALSHA,
 * only when the library says it changed (a failed write is kept and sent again with the next read); a
 * read on a timer of its own, one EVALSHA per half heartbeat whatever the fleet's size, answers only the
 * summaries changed since the last one. `peers()` is membership's peers with the last summary read for
 * each, from memory. Without Redis (a single node) nothing is written or read: the fleet is this node.
 */
export class FleetStore implements FleetSource {
  private readonly logger = new Logger('Fleet');
  private readonly summaries = new Map<string, { summary: FleetSummary; readAt: number }>();
  private readonly listeners = new Set<() => void>();
  private control?: Redis;
  private timer?: NodeJS.Timeout;
  /** The latest summary the library gave, and whether Redis has it yet. */
  private latest?: FleetSummary;
  private unsent = false;
  private readDue = false;
  /** One round trip at a time: against a hung Redis, nothing piles up behind it. */
  private busy = false;
  private exchanging?: Promise<void>;
  /** Something became due while a round trip was under way. */
  private again = false;
  private stopped = false;
  private epoch = '';
  private seq = 0;
  /** The change number Redis gave this node's last write: another one there means it was written over. */
  private ownSeq?: string;
  /** Peers as the last notification saw them: a change of reachability is told too. */
  private peersSeen = '';
  private hasRead = false;
  private failing?: string;

  constructor(private readonly membership: FleetMembership) {}

  get nodeId(): string {
    return this.membership.nodeId;
  }

  /** The first read answered: every summary in Redis is known. */
  get loaded(): boolean {
    return this.hasRead;
  }

  share(summary: FleetSummary): void {
    if (this.stopped) return;
    this.latest = summary;
    this.unsent = true;
    this.kick();
  }

  peers(): readonly FleetPeer[] {
    return this.membership.peers().map((peer) => ({
      node: peer.id,
      reachable: peer.reachable,
      leaving: peer.leaving,
      lastSeen: peer.lastSeen,
      summary: this.summaries.get(peer.id)?.summary,
    }));
  }

  watch(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The cluster joined: writes what the library shared meanwhile, then reads every half heartbeat. */
  start(control: Redis): void {
    if (this.stopped || this.control) return;
    this.control = control;
    this.tick();
  }

  /**
   * The final leave: no more writes nor reads, and this node's summary deleted, so peers drop it with
   * their next read. Resolves once Redis answered (or refused).
   */
  async leave(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    const control = this.control;
    if (!control || !this.membership.holdsNodeId) return;
    // A write under way goes first, so it cannot bring the summary back after the delete.
    await this.exchanging;
    await runScript(control, DROP_SUMMARY, FLEET_KEYS, [this.nodeId, String(FORGET_AFTER_MS)]).catch((error: Error) =>
      this.logger.warn(`could not delete this node's summary (${error.message}): it stays in Redis until the forget window sweeps it`),
    );
  }

  private tick(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tick(), this.membership.heartbeatMs / READS_PER_HEARTBEAT);
    this.timer.unref();
    this.readDue = true;
    this.kick();
  }

  private kick(): void {
    if (!this.control || this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.again = false;
    this.exchanging = this.exchange(this.control).finally(() => {
      this.busy = false;
      // Only for what arrived meanwhile: a failed exchange waits for the next tick.
      if (this.again) this.kick();
    });
  }

  /** Writes the unsent summary, then reads, if either is due; a failure leaves it due for the next tick. */
  private async exchange(control: Redis): Promise<void> {
    try {
      if (this.unsent && !this.stopped && this.membership.holdsNodeId) await this.write(control);
      if (this.readDue && !this.stopped) {
        this.readDue = false;
        this.read(
          (await runScript(control, READ_SUMMARIES, FLEET_KEYS, [
            this.nodeId,
            this.epoch,
            String(this.seq),
            String(FORGET_AFTER_MS),
          ])) as SummariesReply,
        );
      }
      if (this.failing) this.logger.log(`summaries shared and read again (${this.failing} before)`);
      this.failing = undefined;
    } catch (error) {
      const message = (error as Error).message;
      if (this.failing === undefined)
        this.logger.warn(
          `could not share or read summaries (${message}); retrying every ${this.membership.heartbeatMs / READS_PER_HEARTBEAT} ms`,
        );
      this.failing = message;
    }
  }

  private async write(control: Redis): Promise<void> {
    const summary = this.latest!;
    const seq = await runScript(control, SHARE_SUMMARY, FLEET_KEYS, [this.nodeId, JSON.stringify(summary), String(FORGET_AFTER_MS)]);
    this.ownSeq = String(seq);
    // A newer summary given while this one travelled stays unsent.
    if (this.latest === summary) this.unsent = false;
  }

  private read([epoch, counter, mine, changed, texts, ownSeq]: SummariesReply): void {
    if (this.stopped) return;
    this.epoch = epoch;
    this.seq = Number(counter);
    const now = Date.now();
    let changes = 0;
    for (let i = 0; i * 2 < changed.length; i++) {
      const id = changed[i * 2];
      if (id === this.nodeId) continue;
      const text = texts[i];
      if (text === null || text === undefined) {
        if (this.summaries.delete(id)) changes++;
        continue;
      }
      const summary = parseSummary(text);
      if (summary?.node === id) {
        this.summaries.set(id, { summary, readAt: now });
        changes++;
      } else this.logger.debug(`ignored an unreadable summary of node ${id}`);
    }
    // Missing (Redis restarted empty, evicted it, or swept it while this node could not read), or written over by
    // something else under this node's id: written again with the next exchange.
    const overwritten = this.ownSeq !== undefined && String(ownSeq) !== this.ownSeq;
    if ((Number(mine) === 0 || overwritten) && this.latest && this.membership.holdsNodeId) this.unsent = true;
    this.hasRead = true;
    if (this.forgetGone(now) || changes > 0) this.notify();
  }

  /**
   * Drops the summaries of members that membership no longer lists and that were read longer than the
   * forget window ago (a member that just joined may be read before membership hears of it). Returns
   * whether the peers read differently since the last notification.
   */
  private forgetGone(now: number): boolean {
    const peers = this.membership.peers();
    const listed = new Set(peers.map((peer) => peer.id));
    for (const [id, { readAt }] of this.summaries) if (!listed.has(id) && readAt < now - FORGET_AFTER_MS) this.summaries.delete(id);
    const seen = peers.map((peer) => `${peer.id}:${peer.reachable ? 1 : 0}${peer.leaving ? 1 : 0}`).join(',');
    if (seen === this.peersSeen) return false;
    this.peersSeen = seen;
    return true;
  }

  private notify(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.logger.error(`a fleet listener threw: ${(error as Error).message}`);
      }
    }
  }
}
