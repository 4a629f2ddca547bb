import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ViewResponse } from '../views/view-response.js';

/** Idle time before a listener closes a connection, promised to clients in `keep-alive: timeout=`. */
export const KEEP_ALIVE_MS = 5_000;

/**
 * Answers one connection may leave unread in the listener's memory. Every answer path writes the next
 * answer only once the client has taken the previous one, so only an answer bigger than this reaches it;
 * a connection past it is closed, as is one whose client reads nothing for the idle timeout.
 */
export const MAX_UNREAD_BYTES = 1024 * 1024;

/** What every answer carries on the wire besides its view's headers. */
export function wireHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return { ...headers, 'x-content-type-options': 'nosniff' };
}

/** A view answer as bytes: the head for keep-alive and for close (without the date), and the body. */
export interface EncodedResponse {
  readonly keepAlive: Buffer;
  readonly close: Buffer;
  readonly body?: Buffer;
}

/** Encoded once per answer object: a memoised answer is encoded once per snapshot. */
const encoded = new WeakMap<ViewResponse, EncodedResponse>();

export function encodeResponse(view: ViewResponse): EncodedResponse {
  let bytes = encoded.get(view);
  if (!bytes) {
    let head = `HTTP/1.1 ${view.statusCode} ${STATUS_CODES[view.statusCode] ?? 'Unknown'}\r\n`;
    for (const [name, value] of Object.entries(wireHeaders(view.headers))) head += `${name}: ${value}\r\n`;
    bytes = {
      keepAlive: Buffer.from(`${head}connection: keep-alive\r\nkeep-alive: timeout=${KEEP_ALIVE_MS / 1000}\r\n`, 'latin1'),
      close: Buffer.from(`${head}connection: close\r\n`, 'latin1'),
      body: view.body === undefined ? undefined : Buffer.from(view.body),
    };
    encoded.set(view, bytes);
  }
  return bytes;
}

let dateSecond = -1;
let dateLine = Buffer.alloc(0);

/** `date: ...` and the blank line that ends the head, rebuilt once a second as node:http does. */
function dateAndEnd(now = Date.now()): Buffer {
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateLine = Buffer.from(`date: ${new Date(second * 1000).toUTCString()}\r\n\r\n`, 'latin1');
  }
  return dateLine;
}

/**
 * Writes one answer on a socket the listener owns, in one system call: the fast path's answers and
 * node:http's refusals. Without keep-alive the socket is ended after it.
 */
export function writeOnSocket(socket: Socket, view: ViewResponse, method: string, keepAlive: boolean): void {
  const bytes = encodeResponse(view);
  socket.cork();
  socket.write(keepAlive ? bytes.keepAlive : bytes.close);
  socket.write(dateAndEnd());
  if (bytes.body && method !== 'HEAD') socket.write(bytes.body);
  if (!keepAlive) socket.end();
  socket.uncork();
}

interface FastifyLikeReply {
  raw: ServerResponse;
  hijack(): void;
}

/** Writes one answer through node:http: the listener's node:http path and the host app's controller (Express, Fastify). */
export function writeResponse(response: ServerResponse | FastifyLikeReply, view: ViewResponse, method: string): void {
  let raw: ServerResponse;
  if ('raw' in response && typeof response.hijack === 'function') {
    response.hijack();
    raw = response.raw;
  } else {
    raw = response as ServerResponse;
  }
  if (raw.headersSent) return;
  raw.writeHead(view.statusCode, wireHeaders(view.headers));
  raw.end(method === 'HEAD' ? undefined : view.body);
}
