import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HealthConfig } from '../options/health-config.js';
import { errorResponse, type ViewResponse } from '../views/view-response.js';
import type { ConnectionSlots, Slot, SlotHolder } from './connection-slots.js';
import type { HealthRequestHandler } from './health-request.handler.js';
import { NodeHttpFeed } from './node-http-feed.js';
import { parseRequestHead } from './request-head.js';
import { decideFastPath, HAND_OFF, type ViewRouter } from './view-router.js';
import { writeOnSocket } from './write-response.js';

export interface ConnectionLimits {
  readonly maxHeadBytes: number;
  /** Idle time before a connection is closed. */
  readonly keepAliveMs: number;
  /** A request head must arrive whole within this (slow clients). */
  readonly headersTimeoutMs: number;
  /** Requests answered in one turn of the event loop before yielding to timers and other sockets. */
  readonly batch: number;
  /** Bytes of pipelined requests held while an answer is pending; past this the connection is closed. */
  readonly maxQueuedBytes: number;
  /** Bytes of answers waiting in the listener for the client to read; past this the connection is closed. */
  readonly maxUnreadBytes: number;
}

/** What a listener gives each of its connections: how to answer, and where an unusual request goes. */
export interface ListenerContext {
  readonly router: ViewRouter;
  readonly config: HealthConfig;
  readonly handler: Pick<HealthRequestHandler, 'respond'>;
  /** The node:http server that takes a connection over (emit('connection')), its unread bytes included. */
  readonly nodeHttp: EventEmitter;
  readonly slots: ConnectionSlots;
  readonly limits: ConnectionLimits;
}

/**
 * Connections that have been answered: node:http's malformed-request handler then closes them
 * without an answer of its own, as node:http does once a response has started on a connection.
 */
export const ANSWERED = new WeakSet<Socket>();

const EMPTY: Buffer = Buffer.alloc(0);
const REQUEST_TIMEOUT = errorResponse(408);

/**
 * One health connection on the fast path: requests are parsed and answered in order, one at a time,
 * with bytes encoded once per snapshot. Reading pauses while an answer is pending or the client does
 * not read its answers, so memory stays bounded whatever a client pipelines. Anything unusual
 * (a body, a stream, an authorize() call, a request node:http would refuse) is handed to node:http
 * with the bytes unread.
 */
export class ProbeConnection implements SlotHolder {
  private input: Buffer = EMPTY;
  private waiting = false;
  private headTimer?: NodeJS.Timeout;
  /** Answers being computed (promised ones, on the fast path or node:http's). */
  private answering = 0;
  /** Its place among the listener's connections. */
  private slot: Slot;
  /** Set once the connection is node:http's. */
  private nodeHttp?: NodeHttpFeed;

  constructor(
    private readonly socket: Socket,
    private readonly listener: ListenerContext,
  ) {
    this.slot = listener.slots.admit(this);
    socket.setNoDelay(true);
    socket.setTimeout(listener.limits.keepAliveMs, this.onIdle);
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  get busy(): boolean {
    return this.answering > 0;
  }

  close(): void {
    this.socket.destroy();
  }

  /** node:http started answering a request of this connection: nothing more is fed to it until the answer is out. */
  nodeHttpRequest(response: ServerResponse): void {
    this.slot.touch();
    this.nodeHttp?.requestStarted(response);
  }

  /** Not closed to make room while `answer` is being computed. */
  busyUntil(answer: Promise<unknown>): void {
    this.answering++;
    const done = () => void this.answering--;
    void answer.then(done, done);
  }

  /** Leaves its slot for one among `slots` (an event stream takes a stream slot, never a probe's). */
  moveTo(slots: ConnectionSlots): void {
    this.slot.release();
    this.slot = slots.admit(this);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.slot.touch();
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    if (!this.waiting) this.process();
    else if (this.input.length > this.listener.limits.maxQueuedBytes) this.socket.destroy();
  };

  private readonly onIdle = (): void => void this.socket.destroy();
  private readonly onError = (): void => void this.socket.destroy();
  private readonly onClose = (): void => {
    clearTimeout(this.headTimer);
    this.slot.release();
  };

  private process(): void {
    const { router, config, handler, limits } = this.listener;
    for (let answered = 0; this.input.length > 0 && !this.waiting; answered++) {
      if (answered === limits.batch) return this.hold(new Promise((resolve) => setImmediate(resolve)));
      const head = parseRequestHead(this.input, limits.maxHeadBytes);
      if (head === 'incomplete') return this.awaitRestOfHead();
      clearTimeout(this.headTimer);
      this.headTimer = undefined;
      if (head === 'unusual') return this.giveToNodeHttp();
      const decision = decideFastPath(head, router, config);
      if (decision === HAND_OFF) return this.giveToNodeHttp();
      this.input = this.input.subarray(head.length);
      const keepAlive = head.keepAlive && !(decision.kind === 'refuse' && decision.close);
      const response = decision.kind === 'route' ? handler.respond(head.method, decision.match, decision.query, head) : decision.response;
      if (response instanceof Promise) {
        this.busyUntil(response);
        // The handler answers a failure itself; a rejection here is a broken connection, not an answer.
        return this.hold(response.then((view) => (this.write(view, head.method, keepAlive) ? this.drained() : undefined), this.onError));
      }
      if (!this.write(response, head.method, keepAlive)) return;
      const drained = this.drained();
      if (drained) return this.hold(drained);
    }
  }

  /**
   * Settles once the client has taken what was written: the next answer is written only then, so a
   * client that does not read holds one answer in memory, not every answer it asked for. Reading
   * and writing stop meanwhile, so a client that reads nothing meets the idle timeout and is closed.
   */
  private drained(): Promise<void> | undefined {
    const socket = this.socket;
    if (!socket.writableNeedDrain) return undefined;
    return new Promise((resolve) => socket.once('drain', resolve));
  }

  /** Stops reading until `done` settles, then goes on with what the client pipelined meanwhile. */
  private hold(done: Promise<unknown>): void {
    this.waiting = true;
    this.socket.pause();
    // Go on in a later turn of the event loop, never in the microtask that settled `done`: a chain of
    // promise-only answers (metrics) would otherwise starve timers, the refresher and other sockets.
    void done.finally(() =>
      setImmediate(() => {
        this.waiting = false;
        if (this.socket.destroyed || !this.socket.writable) return;
        this.socket.resume();
        this.process();
      }),
    );
  }

  /** Writes one answer; false when the connection is done. */
  private write(view: ViewResponse, method: string, keepAlive: boolean): boolean {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return false;
    // No more requests on this connection: what is written goes out, then it closes.
    if (!keepAlive) this.stopReading();
    writeOnSocket(socket, view, method, keepAlive);
    ANSWERED.add(socket);
    if (socket.writableLength > this.listener.limits.maxUnreadBytes) {
      socket.destroy();
      return false;
    }
    return keepAlive;
  }

  private awaitRestOfHead(): void {
    this.headTimer ??= setTimeout(() => this.write(REQUEST_TIMEOUT, 'GET', false), this.listener.limits.headersTimeoutMs);
  }

  private stopReading(): void {
    this.input = EMPTY;
    this.waiting = true;
    this.socket.removeListener('data', this.onData);
  }

  private giveToNodeHttp(): void {
    const socket = this.socket;
    const { limits, nodeHttp } = this.listener;
    socket.pause();
    socket.removeListener('data', this.onData);
    socket.removeListener('error', this.onError);
    socket.setTimeout(0);
    socket.removeListener('timeout', this.onIdle);
    clearTimeout(this.headTimer);
    this.nodeHttp = new NodeHttpFeed(socket, this.input, limits.maxHeadBytes, 2 * limits.maxQueuedBytes);
    this.input = EMPTY;
    this.nodeHttp.start(nodeHttp);
  }
}
