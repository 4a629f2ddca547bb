import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { HealthConfig } from '../options/health-config.js';
import { errorResponse, type ErrorStatus, type ViewResponse } from '../views/view-response.js';
import { ConnectionSlots } from './connection-slots.js';
import type { HealthRequestHandler } from './health-request.handler.js';
import { ANSWERED, ProbeConnection, type ConnectionLimits, type ListenerContext } from './probe-connection.js';
import { MAX_URL_LENGTH, resolveTarget, type ViewRouter } from './view-router.js';
import { KEEP_ALIVE_MS, MAX_UNREAD_BYTES, writeOnSocket, writeResponse } from './write-response.js';

const LIMITS: ConnectionLimits = {
  maxHeadBytes: 8 * 1024,
  keepAliveMs: KEEP_ALIVE_MS,
  // Shorter than the idle timeout, so a client that sends half a head gets its 408 before being dropped.
  headersTimeoutMs: 4_000,
  // Small, so that a loop turn stays short while many clients pipeline: a fresh probe waits at most one turn.
  batch: 8,
  maxQueuedBytes: 64 * 1024,
  maxUnreadBytes: MAX_UNREAD_BYTES,
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
export class HealthListener {
  readonly server: Server;
  private readonly nodeHttp: HttpServer;
  private readonly context: ListenerContext;
  private readonly connections = new Map<Socket, ProbeConnection>();
  private readonly streamSlots = new ConnectionSlots(MAX_EVENT_STREAMS);

  constructor(
    private readonly router: ViewRouter,
    private readonly handler: HealthRequestHandler,
    config: HealthConfig,
    maxConnections: number,
  ) {
    this.nodeHttp = listenerHttpServer((request, response) => this.serveNodeHttp(request, response));
    this.context = { router, config, handler, nodeHttp: this.nodeHttp, slots: new ConnectionSlots(maxConnections), limits: LIMITS };
    this.server = createServer((socket) => this.accept(socket));
  }

  close(): Promise<void> {
    for (const socket of this.connections.keys()) socket.destroy();
    this.nodeHttp.close(() => undefined);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.connections.set(socket, new ProbeConnection(socket, this.context));
    socket.once('close', () => this.connections.delete(socket));
  }

  /** The node:http path: bodies, odd heads, authorize(), the event stream. */
  private serveNodeHttp(request: IncomingMessage, response: ServerResponse): void {
    const method = request.method ?? 'GET';
    const socket = request.socket as Socket;
    const connection = this.connections.get(socket);
    connection?.nodeHttpRequest(response);
    ANSWERED.add(socket);
    const send = (view: ViewResponse) => {
      writeResponse(response, view, method);
      // node:http writes every pipelined answer it has parsed, read or not: past MAX_UNREAD_BYTES the connection is closed.
      if (socket.writableLength > MAX_UNREAD_BYTES) socket.destroy();
    };
    const target = resolveTarget(request.url ?? '/', this.router);
    if (target.kind === 'refuse') return send(target.response);
    if (this.handler.stream(method, target.match, request, response)) {
      // A stream is quiet between heartbeats; it watches its own client.
      socket.setTimeout(0);
      connection?.moveTo(this.streamSlots);
      return;
    }
    const answer = this.handler.respond(method, target.match, target.query, request);
    if (!(answer instanceof Promise)) return send(answer);
    // Busy until answered: a full listener does not close a connection whose answer it is computing.
    const sent = answer.then(send);
    connection?.busyUntil(sent);
  }
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
    refuse(socket, 400);
  });
  // Connections come in through emit('connection'): start node's header and request timeouts by hand.
  http.emit('listening');
  return http;
}

type ClientError = NodeJS.ErrnoException & { rawPacket?: Buffer };
/** node:http's in-flight response of a connection (what its own clientError handling looks at). */
type SocketWithResponse = Socket & { _httpMessage?: ServerResponse | null };

const CLIENT_ERRORS: Record<string, ErrorStatus> = { HPE_HEADER_OVERFLOW: 431, ERR_HTTP_REQUEST_TIMEOUT: 408 };

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
  refuse(socket, longUrl ? 414 : (CLIENT_ERRORS[error.code ?? ''] ?? 400));
}

/** One answer object per refusal status, so its bytes are encoded once, however many malformed requests come. */
const REFUSALS = new Map<ErrorStatus, ViewResponse>();

function refuse(socket: Socket, statusCode: ErrorStatus): void {
  let response = REFUSALS.get(statusCode);
  if (!response) REFUSALS.set(statusCode, (response = errorResponse(statusCode)));
  writeOnSocket(socket, response, 'GET', false);
}
