import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { errorText } from '../errors/error-text.js';
import type { HealthConfig } from '../options/health-config.js';
import { jsonResponse, type ViewResponse } from '../views/view-response.js';
import type { HealthRequestHandler } from './health-request.handler.js';
import { ConnectionSlots } from './connection-slots.js';
import { ANSWERED, closing, HAND_OFF, ProbeConnection, type ConnectionLimits, type ProbeOutcome } from './probe-connection.js';
import type { RequestHead } from './request-head.js';
import type { RouteMatch, ViewRouter } from './view-router.js';
import { MAX_UNREAD_BYTES, writeResponse } from './write-response.js';

const MAX_URL_LENGTH = 2048;
const LIMITS: ConnectionLimits = {
  maxHeadBytes: 8 * 1024,
  keepAliveMs: 5_000,
  // Shorter than the idle timeout, so a client that sends half a head gets its 408 before being dropped.
  headersTimeoutMs: 4_000,
  // Small, so that a loop turn stays short while many clients pipeline: a fresh probe waits at most one turn.
  batch: 8,
  maxQueuedBytes: 64 * 1024,
  maxUnreadBytes: MAX_UNREAD_BYTES,
};
const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/**
 * Dashboard event streams held open at once per listener, beside its `maxConnections`; a newer one
 * closes the oldest (its page reconnects by itself).
 */
export const MAX_EVENT_STREAMS = 16;

/**
 * One dedicated listener: a TCP server whose connections answer probes on the fast path, and a
 * node:http server (never listening itself) that takes over a connection for anything else.
 * `maxConnections` bounds the file descriptors the health port keeps from MQTT without ever refusing
 * a probe: past it the least recently active connections are closed (ConnectionSlots). Event
 * streams have slots of their own, so they never take a probe's.
 */
export class ProbeServer {
  private readonly logger = new Logger('Health');
  readonly server: Server;
  private readonly http: HttpServer;
  private readonly connections = new Map<Socket, ProbeConnection>();
  private readonly probeSlots: ConnectionSlots;
  private readonly streamSlots = new ConnectionSlots(MAX_EVENT_STREAMS);

  constructor(
    private readonly router: ViewRouter,
    private readonly handler: HealthRequestHandler,
    private readonly config: HealthConfig,
    maxConnections: number,
  ) {
    this.http = listenerHttpServer((request, response) => this.serve(request, response));
    this.server = createServer((socket) => this.accept(socket));
    this.probeSlots = new ConnectionSlots(maxConnections);
  }

  close(): Promise<void> {
    for (const socket of this.connections.keys()) socket.destroy();
    this.http.close(() => undefined);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const connection = new ProbeConnection(
      socket,
      (head) => this.answer(head),
      (taken) => this.http.emit('connection', taken),
      LIMITS,
      this.probeSlots,
    );
    this.connections.set(socket, connection);
    socket.once('close', () => {
      this.connections.delete(socket);
      connection.slot.release();
    });
  }

  /** The fast path: a plain GET or HEAD of a known route (a query or percent-encoding included), answered from the memoised snapshot. */
  private answer(head: RequestHead): ProbeOutcome {
    if (!head.http10 && head.headers.host === undefined) return badRequest('a Host header is required');
    const target = head.target;
    if (target.length > MAX_URL_LENGTH) return uriTooLong();
    if (this.config.showDetails === 'when-authorized') return HAND_OFF;
    // Queries and percent-encoding are answered here too: node:http costs far more per request, and
    // a client pipelining them must not buy more of the listener's time than one asking plain probes.
    const queryAt = target.indexOf('?');
    let match: RouteMatch | undefined;
    try {
      match = this.router.match(queryAt === -1 ? target : target.slice(0, queryAt));
    } catch {
      return malformedPath();
    }
    if (match?.route.transport === 'event-stream' && head.method === 'GET') return HAND_OFF;
    return this.handler.answer(head.method, match, queryOf(target, queryAt), head);
  }

  /** The node:http path: bodies, odd heads, authorize(), the event stream. */
  private serve(request: IncomingMessage, response: ServerResponse): void {
    const method = request.method ?? 'GET';
    const connection = this.connections.get(request.socket as Socket);
    connection?.slot.touch();
    connection?.nodeHttp?.requestStarted(response);
    ANSWERED.add(request.socket);
    const send = (view: ViewResponse) => {
      writeResponse(response, view, method);
      this.closeIfUnread(request.socket);
    };
    const url = request.url ?? '/';
    if (url.length > MAX_URL_LENGTH) return send(uriTooLong());
    const queryAt = url.indexOf('?');
    let match: RouteMatch | undefined;
    try {
      match = this.router.match(queryAt === -1 ? url : url.slice(0, queryAt));
    } catch {
      return send(malformedPath());
    }
    const query = queryOf(url, queryAt);
    try {
      if (this.handler.stream(method, match, request, response)) {
        // A stream is quiet between heartbeats; it watches its own client.
        request.socket.setTimeout(0);
        if (connection) this.becomeStream(connection);
        return;
      }
      const answer = this.handler.answer(method, match, query, request);
      if (!(answer instanceof Promise)) return send(answer);
      // Busy until answered: a full listener does not close a connection whose answer it is computing.
      if (connection) connection.answering++;
      void answer
        .then(send, (error) => this.fail(error, send))
        .finally(() => {
          if (connection) connection.answering--;
        });
    } catch (error) {
      this.fail(error, send);
    }
  }

  /** A stream leaves the probe slots for the stream slots. */
  private becomeStream(connection: ProbeConnection): void {
    connection.slot.release();
    connection.slot = this.streamSlots.admit(connection);
  }

  /** node:http writes every pipelined answer it has parsed, read or not: past MAX_UNREAD_BYTES the connection is closed. */
  private closeIfUnread(socket: Socket): void {
    if (socket.writableLength > MAX_UNREAD_BYTES) socket.destroy();
  }

  private fail(error: unknown, send: (view: ViewResponse) => void): void {
    this.logger.error(`Health listener failed to answer: ${errorText(error)}`);
    send(jsonResponse(500, { statusCode: 500, error: 'Internal Server Error', message: 'the health answer could not be rendered' }));
  }
}

function badRequest(message: string): ViewResponse {
  return closing(jsonResponse(400, { statusCode: 400, error: 'Bad Request', message }));
}

/** The query of a request-target whose `?` is at `queryAt` (-1: none). */
function queryOf(target: string, queryAt: number): URLSearchParams | undefined {
  return queryAt === -1 || queryAt === target.length - 1 ? undefined : new URLSearchParams(target.slice(queryAt + 1));
}

/** A path whose percent-encoding does not decode: refused, the connection kept (the request itself was well formed). */
function malformedPath(): ViewResponse {
  return jsonResponse(400, { statusCode: 400, error: 'Bad Request', message: 'malformed percent-encoding in the path' });
}

function uriTooLong(): ViewResponse {
  return jsonResponse(414, { statusCode: 414, error: 'URI Too Long', message: `URLs are limited to ${MAX_URL_LENGTH} characters` });
}

/**
 * The node:http half of a listener, fed connections by emit('connection') and never listening
 * itself: what the fast path hands over, it parses and refuses as node:http does. Exported so that
 * the fast path can be held to it.
 */
export function listenerHttpServer(onRequest: (request: IncomingMessage, response: ServerResponse) => void): HttpServer {
  const http = createHttpServer(
    {
      headersTimeout: 5_000,
      requestTimeout: 10_000,
      keepAliveTimeout: LIMITS.keepAliveMs,
      connectionsCheckingInterval: 1_000,
      maxHeaderSize: LIMITS.maxHeadBytes,
    },
    onRequest,
  );
  // A connection making no progress either way (a client that reads nothing) is closed, as on the fast path.
  http.timeout = LIMITS.keepAliveMs;
  http.on('clientError', (error: ClientError, socket: Socket) => rejectClient(error, socket));
  // Without this node:http drops a CONNECT without a word.
  http.on('connect', (_request: IncomingMessage, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    refuse(socket, 400, 'Bad Request');
  });
  // Connections come in through emit('connection'): start node's header and request timeouts by hand.
  http.emit('listening');
  return http;
}

type ClientError = NodeJS.ErrnoException & { rawPacket?: Buffer };
/** node:http's in-flight response of a connection (what its own clientError handling looks at). */
type SocketWithResponse = Socket & { _httpMessage?: ServerResponse | null };

/** A request line whose target is past the URL limit. */
const LONG_REQUEST_LINE = new RegExp(`(?:^|\n)[A-Z]+ [^ \r\n]{${MAX_URL_LENGTH + 1},}`);

/** Malformed, oversized or too slow requests on the node:http path get a JSON 4xx and a closed socket. */
function rejectClient(error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  // After an answer on this connection, a 400 could be taken for the answer to an earlier request: node:http closes silently.
  const answered = ANSWERED.has(socket) && error.code !== 'ERR_HTTP_REQUEST_TIMEOUT';
  if (answered || (socket as SocketWithResponse)._httpMessage?.headersSent) return void socket.destroy();
  // A head too large because of its URL is a URL too long.
  const longUrl = error.code === 'HPE_HEADER_OVERFLOW' && error.rawPacket && LONG_REQUEST_LINE.test(error.rawPacket.toString('latin1'));
  const [code, text] = longUrl ? [414, 'URI Too Long'] : (CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request']);
  refuse(socket, code, text);
}

function refuse(socket: Socket, code: number, text: string): void {
  const body = JSON.stringify({ statusCode: code, error: text });
  socket.end(
    `HTTP/1.1 ${code} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-content-type-options: nosniff\r\nconnection: close\r\n\r\n${body}`,
  );
}
