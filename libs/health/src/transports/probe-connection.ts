import type { Socket } from 'node:net';
import { jsonResponse, type ViewResponse } from '../views/view-response.js';
import type { ConnectionSlots, Slot, SlotHolder } from './connection-slots.js';
import { NodeHttpFeed } from './node-http-feed.js';
import { parseRequestHead, type RequestHead } from './request-head.js';
import { dateAndEnd, encodeResponse } from './response-bytes.js';

/** What the listener answers a parsed request with: an answer now, one later, or "let node:http take the connection". */
export type ProbeOutcome = ViewResponse | Promise<ViewResponse> | typeof HAND_OFF;
export const HAND_OFF = Symbol('hand off to node:http');

const CLOSING = new WeakSet<ViewResponse>();

/**
 * Connections that have been answered: node:http's malformed-request handler then closes them
 * without an answer of its own, as node:http does once a response has started on a connection.
 */
export const ANSWERED = new WeakSet<Socket>();

/** An answer after which the connection closes (a bad request: what follows it cannot be trusted). */
export function closing(view: ViewResponse): ViewResponse {
  CLOSING.add(view);
  return view;
}

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

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * One health connection on the fast path: requests are parsed and answered in order, one at a time,
 * with bytes encoded once per snapshot. Reading pauses while an answer is pending or the client does
 * not read its answers, so memory stays bounded whatever a client pipelines. Anything unusual
 * (a body, a query, a stream, an authorize() call, a request node:http would refuse) is handed to
 * node:http with the bytes unread.
 */
export class ProbeConnection implements SlotHolder {
  private input: Buffer = EMPTY;
  private waiting = false;
  private headTimer?: NodeJS.Timeout;
  /** Answers being computed (promised ones, on the fast path or node:http's). */
  answering = 0;
  /** Its place among the listener's connections; the listener moves it when the connection becomes a stream. */
  slot: Slot;
  /** Set once the connection is node:http's. */
  nodeHttp?: NodeHttpFeed;

  constructor(
    private readonly socket: Socket,
    private readonly answer: (head: RequestHead) => ProbeOutcome,
    private readonly handOff: (socket: Socket) => void,
    private readonly limits: ConnectionLimits,
    slots: ConnectionSlots,
  ) {
    this.slot = slots.admit(this);
    socket.setNoDelay(true);
    socket.setTimeout(limits.keepAliveMs, this.onIdle);
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

  private readonly onData = (chunk: Buffer): void => {
    this.slot.touch();
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    if (!this.waiting) this.process();
    else if (this.input.length > this.limits.maxQueuedBytes) this.socket.destroy();
  };

  private readonly onIdle = (): void => void this.socket.destroy();
  private readonly onError = (): void => void this.socket.destroy();
  private readonly onClose = (): void => clearTimeout(this.headTimer);

  private process(): void {
    for (let answered = 0; this.input.length > 0 && !this.waiting; answered++) {
      if (answered === this.limits.batch) return this.hold(new Promise((resolve) => setImmediate(resolve)));
      const head = parseRequestHead(this.input, this.limits.maxHeadBytes);
      if (head === 'incomplete') return this.awaitRestOfHead();
      clearTimeout(this.headTimer);
      this.headTimer = undefined;
      if (head === 'unusual') return this.giveToNodeHttp();
      let outcome: ProbeOutcome;
      try {
        outcome = this.answer(head);
      } catch {
        outcome = serverError();
      }
      if (outcome === HAND_OFF) return this.giveToNodeHttp();
      this.input = this.input.subarray(head.length);
      if (outcome instanceof Promise) {
        this.answering++;
        return this.hold(
          outcome.then(
            (view) => this.writeLater(view, head),
            () => this.writeLater(serverError(), head),
          ),
        );
      }
      if (!this.write(outcome, head)) return;
      const drained = this.drained();
      if (drained) return this.hold(drained);
    }
  }

  private writeLater(view: ViewResponse, head: RequestHead): Promise<void> | undefined {
    this.answering--;
    return this.write(view, head) ? this.drained() : undefined;
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

  /** Writes one answer in one system call; false when the connection is done. */
  private write(view: ViewResponse, head: RequestHead): boolean {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return false;
    const keepAlive = head.keepAlive && !CLOSING.has(view);
    const bytes = encodeResponse(view, this.limits.keepAliveMs / 1000);
    socket.cork();
    socket.write(keepAlive ? bytes.keepAlive : bytes.close);
    socket.write(dateAndEnd());
    ANSWERED.add(socket);
    if (bytes.body && head.method !== 'HEAD') socket.write(bytes.body);
    if (!keepAlive) this.finish();
    socket.uncork();
    if (socket.writableLength > this.limits.maxUnreadBytes) {
      socket.destroy();
      return false;
    }
    return keepAlive;
  }

  private awaitRestOfHead(): void {
    this.headTimer ??= setTimeout(() => this.reject(408, 'Request Timeout'), this.limits.headersTimeoutMs);
  }

  private reject(statusCode: number, error: string): void {
    this.write(closing(jsonResponse(statusCode, { statusCode, error })), { method: 'GET', keepAlive: false } as RequestHead);
  }

  /** No more requests on this connection: answer what is written, then close. */
  private finish(): void {
    this.input = EMPTY;
    this.waiting = true;
    this.socket.removeListener('data', this.onData);
    this.socket.end();
  }

  private giveToNodeHttp(): void {
    const socket = this.socket;
    socket.pause();
    socket.removeListener('data', this.onData);
    socket.removeListener('error', this.onError);
    socket.removeListener('close', this.onClose);
    socket.setTimeout(0);
    socket.removeListener('timeout', this.onIdle);
    clearTimeout(this.headTimer);
    this.nodeHttp = new NodeHttpFeed(socket, this.input, this.limits.maxHeadBytes, 2 * this.limits.maxQueuedBytes);
    this.input = EMPTY;
    this.nodeHttp.start(this.handOff);
  }
}

function serverError(): ViewResponse {
  return jsonResponse(500, { statusCode: 500, error: 'Internal Server Error', message: 'the health answer could not be rendered' });
}
