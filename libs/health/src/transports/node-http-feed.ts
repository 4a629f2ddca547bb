import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parseRequestHead } from './request-head.js';

type Listener = (...args: unknown[]) => void;

/**
 * A connection the fast path gave to node:http, fed one request at a time. node:http parses and
 * answers everything a read holds in one pass (up to 64 KiB, about 1,500 pipelined probes), so a
 * client that never reads would make it build every one of those answers. Here node:http gets the
 * next request only once the previous answer has been handed to the socket and the socket does not
 * need draining: a client that never reads holds one answer, and then meets the idle timeout.
 */
export class NodeHttpFeed {
  private pending = 0;
  private ended = false;
  private nodeOnData: Listener[] = [];
  private nodeOnEnd: Listener[] = [];

  constructor(
    private readonly socket: Socket,
    private input: Buffer,
    private readonly maxHeadBytes: number,
    private readonly maxQueuedBytes: number,
  ) {}

  /** Emits the connection to node:http and takes the socket's reads and end between the client and node:http. */
  start(nodeHttp: EventEmitter): void {
    const socket = this.socket;
    const dataBefore = new Set(socket.listeners('data'));
    const endBefore = new Set(socket.listeners('end'));
    nodeHttp.emit('connection', socket);
    this.nodeOnData = socket.listeners('data').filter((l) => !dataBefore.has(l)) as Listener[];
    this.nodeOnEnd = socket.listeners('end').filter((l) => !endBefore.has(l)) as Listener[];
    for (const listener of this.nodeOnData) socket.removeListener('data', listener);
    for (const listener of this.nodeOnEnd) socket.removeListener('end', listener);
    // Adding a data listener also stops node:http reading the socket's handle by itself.
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('drain', this.feed);
    this.feed();
  }

  /** node:http is answering a request of this connection: nothing more is fed until the answer is out. */
  requestStarted(response: ServerResponse): void {
    this.pending++;
    let done = false;
    const settle = () => {
      if (done) return;
      done = true;
      this.pending--;
      setImmediate(this.feed);
    };
    response.once('finish', settle);
    response.once('close', settle);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    if (this.input.length > this.maxQueuedBytes) return void this.socket.destroy();
    this.feed();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.feed();
  };

  private readonly feed = (): void => {
    const socket = this.socket;
    while (this.input.length > 0 && this.ready()) {
      const slice = this.nextRequest();
      this.input = this.input.subarray(slice.length);
      for (const listener of this.nodeOnData) listener.call(socket, slice);
    }
    if (socket.destroyed) return;
    if (this.input.length > 0) return void socket.pause();
    if (this.ended) {
      this.ended = false;
      for (const listener of this.nodeOnEnd) listener.call(socket);
      return;
    }
    if (this.pending === 0 && !(socket as PausableSocket)._paused) socket.resume();
  };

  private ready(): boolean {
    const socket = this.socket as PausableSocket;
    return this.pending === 0 && !socket.destroyed && !socket.writableNeedDrain && !socket._paused;
  }

  /** The next request's bytes when its head says where it ends; a bounded slice otherwise. */
  private nextRequest(): Buffer {
    const head = parseRequestHead(this.input, this.maxHeadBytes);
    if (typeof head === 'object') return this.input.subarray(0, head.length);
    // Twice the head limit: enough for node:http to see a whole head past its limit (and tell a long URL from long headers).
    return this.input.subarray(0, Math.min(this.input.length, 2 * this.maxHeadBytes));
  }
}

/** node:http marks a socket it paused for backpressure; feeding it then would trip its parser. */
type PausableSocket = Socket & { _paused?: boolean };
