import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { HealthConfig } from '../options/health-config.js';
import type { HealthView } from '../views/health-view.interface.js';
import { jsonResponse, notFound, type ViewResponse } from '../views/view-response.js';
import { ConnectionSlots } from './connection-slots.js';
import { ProbeConnection, type ConnectionLimits, type ListenerContext } from './probe-connection.js';
import { ViewRouter, type RouteMatch } from './view-router.js';

const VIEW: HealthView = {
  name: 'test',
  defaultPrefix: '',
  routes: [{ path: 'readyz' }, { path: 'slow' }, { path: 'big' }],
};

const LIMITS: ConnectionLimits = {
  maxHeadBytes: 8 * 1024,
  keepAliveMs: 60_000,
  headersTimeoutMs: 4_000,
  batch: 8,
  maxQueuedBytes: 64 * 1024,
  maxUnreadBytes: 64 * 1024,
};

const BIG = jsonResponse(200, { data: 'x'.repeat(16 * 1024 * 1024) });

/** The answer source: what the handler would answer, and in which turn of the event loop it was asked. */
function fakeHandler(turn: () => number) {
  const asked: { path: string; turn: number }[] = [];
  const respond = jest.fn((method: string | undefined, match: RouteMatch | undefined): ViewResponse | Promise<ViewResponse> => {
    asked.push({ path: match?.key ?? '(none)', turn: turn() });
    if (!match) return notFound('no health endpoint at this path');
    if (match.key === 'test:/big') return BIG;
    const answer = jsonResponse(200, { path: match.key, method });
    return match.key === 'test:/slow' ? new Promise((resolve) => setTimeout(() => resolve(answer), 20)) : answer;
  });
  return { asked, respond };
}

interface Listening {
  port: number;
  handler: ReturnType<typeof fakeHandler>;
  /** Requests node:http got, with their bodies. */
  nodeHttpGot: { method?: string; url?: string; body: string }[];
  slots: ConnectionSlots;
  /** Server-side sockets, in the order they arrived. */
  sockets: Socket[];
}

let server: Server | undefined;
let nodeHttp: HttpServer | undefined;
let ticker: NodeJS.Immediate | undefined;

afterEach(async () => {
  clearImmediate(ticker);
  nodeHttp?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A listener of ProbeConnections on 127.0.0.1, its own node:http server for what they hand off. */
async function listen(options: { limits?: Partial<ConnectionLimits>; config?: Partial<HealthConfig> } = {}): Promise<Listening> {
  let turn = 0;
  const tick = () => {
    turn++;
    ticker = setImmediate(tick);
  };
  tick();
  const handler = fakeHandler(() => turn);
  const nodeHttpGot: Listening['nodeHttpGot'] = [];
  nodeHttp = createHttpServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      nodeHttpGot.push({ method: request.method, url: request.url, body });
      response.end('from node:http');
    });
  });
  const slots = new ConnectionSlots(100);
  const context: ListenerContext = {
    router: new ViewRouter([{ view: VIEW, prefix: '' }], 'test listener'),
    config: { showDetails: 'always', ...options.config } as HealthConfig,
    handler,
    nodeHttp,
    slots,
    limits: { ...LIMITS, ...options.limits },
  };
  const sockets: Socket[] = [];
  server = createServer((socket) => {
    sockets.push(socket);
    new ProbeConnection(socket, context);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, handler, nodeHttpGot, slots, sockets };
}

/** Sends `bytes` on a new connection; resolves with what came back once the server closed, or after `ms`. */
function exchange(port: number, bytes: string, ms = 1000): Promise<{ reply: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ reply, closed: false });
    }, ms);
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply, closed: true });
    });
  });
}

const get = (path: string, headers = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`;
const statuses = (reply: string) => [...reply.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
const bodies = (reply: string) => [...reply.matchAll(/\r\n\r\n(\{[^}]*\})/g)].map((m) => JSON.parse(m[1]) as unknown);

describe('ProbeConnection', () => {
  it('answers pipelined requests in order, a promised answer holding the ones after it', async () => {
    const { port } = await listen();
    const { reply, closed } = await exchange(
      port,
      get('/slow') + get('/readyz') + get('/nope') + `HEAD /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(closed).toBe(true);
    expect(statuses(reply)).toEqual([200, 200, 404, 200]);
    expect(bodies(reply)).toEqual([
      { path: 'test:/slow', method: 'GET' },
      { path: 'test:/readyz', method: 'GET' },
      { statusCode: 404, error: 'Not Found', message: 'no health endpoint at this path' },
    ]);
    // HEAD: the head of GET, its length included, and nothing after it.
    expect(reply.endsWith('\r\n\r\n')).toBe(true);
    const headBody = JSON.stringify({ path: 'test:/readyz', method: 'HEAD' });
    expect(reply.slice(reply.lastIndexOf('HTTP/1.1'))).toContain(`\r\ncontent-length: ${Buffer.byteLength(headBody)}\r\n`);
  });

  it('answers at most 8 pipelined requests per turn of the event loop', async () => {
    const { port, handler } = await listen();
    const { reply } = await exchange(port, get('/readyz').repeat(20), 300);
    expect(statuses(reply)).toHaveLength(20);
    const perTurn = new Map<number, number>();
    for (const { turn } of handler.asked) perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
    expect([...perTurn.values()]).toEqual([8, 8, 4]);
  });

  it('keeps an HTTP/1.1 connection alive and closes one that asks for close, or speaks HTTP/1.0', async () => {
    const { port } = await listen();
    const alive = await exchange(port, get('/readyz'), 200);
    expect(alive.closed).toBe(false);
    expect(alive.reply).toContain('\r\nconnection: keep-alive\r\nkeep-alive: timeout=5\r\n');
    for (const bytes of [get('/readyz', 'Connection: close\r\n'), 'GET /readyz HTTP/1.0\r\n\r\n']) {
      const closing = await exchange(port, bytes + get('/readyz'));
      expect(closing.closed).toBe(true);
      expect(statuses(closing.reply)).toEqual([200]);
      expect(closing.reply).toContain('\r\nconnection: close\r\n');
    }
  });

  it('refuses a request without Host with a 400 and closes', async () => {
    const { port, handler } = await listen();
    const { reply, closed } = await exchange(port, 'GET /readyz HTTP/1.1\r\n\r\n' + get('/readyz'));
    expect(closed).toBe(true);
    expect(statuses(reply)).toEqual([400]);
    expect(handler.respond).not.toHaveBeenCalled();
  });

  it('closes a client that sends its head too slowly with a 408', async () => {
    const { port } = await listen({ limits: { headersTimeoutMs: 50 } });
    const { reply, closed } = await exchange(port, 'GET /readyz HTTP/1.1\r\nHost: x\r\n');
    expect(closed).toBe(true);
    expect(statuses(reply)).toEqual([408]);
    expect(bodies(reply)).toEqual([{ statusCode: 408, error: 'Request Timeout' }]);
  });

  it('closes a client that does not read once an answer past the unread limit waits for it', async () => {
    const { port, handler, sockets } = await listen();
    const client = connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    client.pause();
    client.write(get('/big').repeat(4));
    // The idle timeout is a minute away: only the unread limit closes the connection within the test's time.
    while (sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    if (!sockets[0].destroyed) await new Promise((resolve) => sockets[0].once('close', resolve));
    client.destroy();
    expect(sockets[0].destroyed).toBe(true);
    expect(handler.asked.map(({ path }) => path)).toEqual(['test:/big']);
  });

  it('hands an unusual request to node:http with its bytes unread, after answering what came before it', async () => {
    const { port, handler, nodeHttpGot } = await listen();
    const { reply } = await exchange(
      port,
      get('/readyz') + 'POST /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' + get('/readyz'),
      300,
    );
    expect(statuses(reply)).toEqual([200, 200, 200]);
    expect(reply).toContain('from node:http');
    expect(handler.asked).toHaveLength(1);
    expect(nodeHttpGot).toEqual([
      { method: 'POST', url: '/readyz', body: 'hello' },
      { method: 'GET', url: '/readyz', body: '' },
    ]);
  });

  it('hands every request to node:http when authorize() decides what it may see', async () => {
    const { port, handler, nodeHttpGot } = await listen({ config: { showDetails: 'when-authorized' } });
    const { reply } = await exchange(port, get('/readyz?verbose'), 300);
    expect(statuses(reply)).toEqual([200]);
    expect(handler.respond).not.toHaveBeenCalled();
    expect(nodeHttpGot).toEqual([{ method: 'GET', url: '/readyz?verbose', body: '' }]);
  });

  it('gives its slot back when the connection closes', async () => {
    const { port, slots } = await listen();
    await exchange(port, get('/readyz', 'Connection: close\r\n'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(slots.size).toBe(0);
  });
});
