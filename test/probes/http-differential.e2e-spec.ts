import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { listenerHttpServer } from '../../libs/health/src/transports/health-listener.js';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { bootProbeApp, type ProbeApp } from './probe-app.js';

/**
 * The listener's hand-written fast path against node:http: every request of the corpus goes raw over
 * TCP to both, and both must give the same number of answers, the same statuses, and leave the
 * connection open or closed alike. The node:http side is built by the listener's own
 * listenerHttpServer() (same limits, timeouts and error answers) and fed connections the same way;
 * its request handler answers what the listener's routes answer.
 */
let probe: ProbeApp;
let fastPort: number;
let reference: Server;
let referencePort: number;
/** A plain node:http server with its defaults, listening itself: what node:http does when nobody configured it. */
let plain: ReturnType<typeof createHttpServer>;
let plainPort: number;

const ROUTES: Record<string, number> = {
  '/livez': 200,
  '/readyz': 200,
  '/healthz': 200,
  '/ready': 200,
  '/health': 200,
  '/zeebe/health': 204,
};

function answerLikeTheListener(request: IncomingMessage, response: ServerResponse): void {
  const url = request.url ?? '/';
  const path = url.split('?')[0];
  const status = url.length > 2048 ? 414 : request.method !== 'GET' && request.method !== 'HEAD' ? 405 : (ROUTES[path] ?? 404);
  const body = status === 204 ? undefined : '{}';
  response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json', 'content-length': '2' });
  response.end(body);
}

beforeAll(async () => {
  probe = await bootProbeApp({}, ['kubernetes', 'fluxmq', { view: 'zeebe', prefix: '/zeebe' }]);
  fastPort = Number(new URL(probe.url).port);
  const http = listenerHttpServer(answerLikeTheListener);
  reference = createServer((socket) => http.emit('connection', socket));
  await new Promise<void>((resolve) => reference.listen(0, '127.0.0.1', resolve));
  referencePort = (reference.address() as AddressInfo).port;
  plain = createHttpServer(answerLikeTheListener);
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  plainPort = (plain.address() as AddressInfo).port;
});
afterAll(async () => {
  await probe.app.close();
  await new Promise((resolve) => reference.close(resolve));
  plain.closeAllConnections();
  await new Promise((resolve) => plain.close(resolve));
});

interface Outcome {
  statuses: number[];
  open: boolean;
}

/** Sends `bytes` on a fresh connection and watches for `ms`: the statuses answered, and whether the server kept the connection. */
function exchange(port: number, bytes: string, ms = 500): Promise<Outcome> {
  return new Promise((resolve) => {
    let reply = '';
    let open = true;
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from(bytes, 'latin1')));
    socket.on('data', (chunk) => (reply += chunk.toString('latin1')));
    socket.on('end', () => (open = false));
    socket.on('close', () => (open = false));
    socket.on('error', () => (open = false));
    setTimeout(() => {
      socket.destroy();
      resolve({ statuses: [...reply.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1])), open });
    }, ms);
  });
}

const HOST = 'Host: x\r\n';
const GET = `GET /livez HTTP/1.1\r\n${HOST}`;
const NEXT = `GET /livez HTTP/1.1\r\n${HOST}\r\n`;

/** Cases where the listener and its node:http half once both differed from node:http's own defaults. */
const PLAIN_CORPUS: Array<[string, string]> = [
  ['Content-Length: 0 and a trailing tab', `${GET}Content-Length: 0\t\r\n\r\n${NEXT}`],
  ['Content-Length: 0 between tabs', `${GET}Content-Length:\t0\t\r\n\r\n${NEXT}`],
  ['Content-Length: 0 after a tab', `${GET}Content-Length:\t0\r\n\r\n${NEXT}`],
  ['Proxy-Connection: close', `${GET}Proxy-Connection: close\r\n\r\n${NEXT}`],
  ['proxy-connection: close, lowercase', `${GET}proxy-connection: close\r\n\r\n${NEXT}`],
  ['Proxy-Connection: close and Connection: keep-alive', `${GET}Proxy-Connection: close\r\nConnection: keep-alive\r\n\r\n${NEXT}`],
  ['HTTP/1.0 Proxy-Connection: keep-alive', `GET /livez HTTP/1.0\r\nProxy-Connection: keep-alive\r\n\r\n${NEXT}`],
  ['Connection: close and a trailing tab', `${GET}Connection: close\t\r\n\r\n${NEXT}`],
  ['Connection: close between tabs', `${GET}Connection:\tclose\t\r\n\r\n${NEXT}`],
  ['Connection: close after a tab', `${GET}Connection:\tclose\r\n\r\n${NEXT}`],
  ['HTTP/1.0 Connection: keep-alive and a trailing tab', `GET /livez HTTP/1.0\r\nConnection: keep-alive\t\r\n\r\n${NEXT}`],
  ['a probe, then a malformed header', `${NEXT}GET /livez HTTP/1.1\r\n${HOST}X A: b\r\n\r\n${NEXT}`],
  ['a probe, then bare LFs', `${NEXT}GET /livez HTTP/1.1\nHost: x\n\n`],
  ['a probe, then a lowercase method', `${NEXT}get /livez HTTP/1.1\r\n${HOST}\r\n`],
  ['Transfer-Encoding: identity', `${GET}Transfer-Encoding: identity\r\n\r\n`],
  ['Transfer-Encoding: identity, then a probe', `${GET}Transfer-Encoding: identity\r\n\r\n${NEXT}`],
];

const CORPUS: Array<[string, string]> = [
  ['a plain probe', `${GET}\r\n`],
  ['two pipelined probes', `${GET}\r\n${NEXT}`],
  ['duplicate Content-Length, differing', `${GET}Content-Length: 5\r\nContent-Length: 0\r\n\r\n${NEXT}`],
  ['duplicate Content-Length, equal', `${GET}Content-Length: 0\r\nContent-Length: 0\r\n\r\n${NEXT}`],
  ['Content-Length padded with NBSP', `${GET}Content-Length: \xa05\r\n\r\n${NEXT}`],
  ['Content-Length padded with a vertical tab', `${GET}Content-Length: \x0b5\r\n\r\n${NEXT}`],
  ['Content-Length +0', `${GET}Content-Length: +0\r\n\r\n`],
  ['Content-Length as a list', `${GET}Content-Length: 0, 0\r\n\r\n`],
  ['Content-Length with spaces around', `${GET}Content-Length:  0 \r\n\r\n${NEXT}`],
  ['a bare CR in a header value', `${GET}X-A: a\rb\r\n\r\n${NEXT}`],
  ['a bare LF in a header value', `${GET}X-A: a\nContent-Length: 5\r\n\r\n${NEXT}`],
  ['NUL in the target', `GET /li\x00vez HTTP/1.1\r\n${HOST}\r\n`],
  ['a control byte in the target', `GET /li\x01vez HTTP/1.1\r\n${HOST}\r\n`],
  ['DEL in the target', `GET /li\x7fvez HTTP/1.1\r\n${HOST}\r\n`],
  ['a byte above 0x7f in the target', `GET /li\xe9vez HTTP/1.1\r\n${HOST}\r\n`],
  ['a tab in the target', `GET /li\tvez HTTP/1.1\r\n${HOST}\r\n`],
  ['NUL in a header value', `${GET}X-A: a\x00b\r\n\r\n`],
  ['a control byte in a header value', `${GET}X-A: a\x01b\r\n\r\n`],
  ['DEL in a header value', `${GET}X-A: a\x7fb\r\n\r\n`],
  ['a byte above 0x7f in a header value', `${GET}X-A: a\xe9b\r\n\r\n${NEXT}`],
  ['a tab in a header value', `${GET}X-A: a\tb\r\n\r\n${NEXT}`],
  ['a request of bare LFs', `GET /livez HTTP/1.1\nHost: x\n\n`],
  ['a head ending in a bare LF', `${GET}\n`],
  ['a TLS ClientHello', '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03'],
  ['an HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
  ['Connection: close, foo', `${GET}Connection: close, foo\r\n\r\n`],
  ['Connection: foo, close', `${GET}Connection: foo, close\r\n\r\n`],
  ['Connection: CLOSE', `${GET}Connection: CLOSE\r\n\r\n`],
  ['two Connection headers, close last', `${GET}Connection: keep-alive\r\nConnection: close\r\n\r\n`],
  ['two Connection headers, close first', `${GET}Connection: close\r\nConnection: keep-alive\r\n\r\n`],
  ['HTTP/1.0', 'GET /livez HTTP/1.0\r\n\r\n'],
  ['HTTP/1.0 keep-alive', 'GET /livez HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'],
  ['HTTP/1.0 keep-alive among other tokens', 'GET /livez HTTP/1.0\r\nConnection: foo, keep-alive\r\n\r\n'],
  ['a 3,000-character URL', `GET /${'a'.repeat(3000)} HTTP/1.1\r\n${HOST}\r\n${NEXT}`],
  ['a 9,000-character URL', `GET /${'a'.repeat(9000)} HTTP/1.1\r\n${HOST}\r\n`],
  ['a header over 8 KiB', `${GET}X-A: ${'a'.repeat(9000)}\r\n\r\n`],
  ['a head just under 8 KiB', `${GET}X-A: ${'a'.repeat(8000)}\r\n\r\n${NEXT}`],
  ['an obs-fold', `${GET}X-A: a\r\n b\r\n\r\n`],
  ['a space before the colon', `${GET}X-A : a\r\n\r\n`],
  ['an empty header name', `${GET}: a\r\n\r\n`],
  ['a header name with @', `${GET}X@A: a\r\n\r\n`],
  ['a header line without a colon', `${GET}XA\r\n\r\n`],
  ['an invalid method token', `G@T /livez HTTP/1.1\r\n${HOST}\r\n`],
  ['a lowercase method', `get /livez HTTP/1.1\r\n${HOST}\r\n`],
  ['an unknown method', `FOO /livez HTTP/1.1\r\n${HOST}\r\n`],
  ['POST with a body, then a probe', `POST /livez HTTP/1.1\r\n${HOST}Content-Length: 2\r\n\r\nhi${NEXT}`],
  ['OPTIONS *', `OPTIONS * HTTP/1.1\r\n${HOST}\r\n`],
  ['CONNECT', `CONNECT 127.0.0.1:1883 HTTP/1.1\r\nHost: 127.0.0.1:1883\r\n\r\n`],
  ['Transfer-Encoding: chunked', `${GET}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n${NEXT}`],
  ['Transfer-Encoding: Chunked', `${GET}Transfer-Encoding: Chunked\r\n\r\n0\r\n\r\n`],
  ['Transfer-Encoding: gzip', `${GET}Transfer-Encoding: gzip\r\n\r\n`],
  ['Transfer-Encoding: chunked, gzip', `${GET}Transfer-Encoding: chunked, gzip\r\n\r\n`],
  ['Transfer-Encoding: gzip, chunked', `${GET}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`],
  ['Transfer-Encoding twice', `${GET}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
  ['Transfer-Encoding on HTTP/1.0', 'GET /livez HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  [
    'smuggling: Content-Length and Transfer-Encoding',
    `POST /livez HTTP/1.1\r\n${HOST}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${NEXT}`,
  ],
  ['smuggling: Transfer-Encoding and Content-Length', `${GET}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n`],
  ['an absolute-form target', `GET http://x/livez HTTP/1.1\r\n${HOST}\r\n`],
  ['HTTP/1.1 without Host', 'GET /livez HTTP/1.1\r\n\r\n'],
  ['two Host headers', `${GET}${HOST}\r\n`],
  ['HTTP/1.2', `GET /livez HTTP/1.2\r\n${HOST}\r\n`],
  ['HTTP/2.0 in the request line', `GET /livez HTTP/2.0\r\n${HOST}\r\n`],
  ['an HTTP/0.9 request', 'GET /livez\r\n\r\n'],
  ['two spaces after the method', `GET  /livez HTTP/1.1\r\n${HOST}\r\n`],
  ['a space after the version', `GET /livez HTTP/1.1 \r\n${HOST}\r\n`],
  ['an empty line before the request', `\r\n${GET}\r\n`],
  ['Expect: 100-continue', `${GET}Expect: 100-continue\r\n\r\n`],
  ['Upgrade: websocket', `${GET}Connection: upgrade\r\nUpgrade: websocket\r\n\r\n`],
  ['a percent-encoded target', `GET /li%7Avez HTTP/1.1\r\n${HOST}\r\n`],
  ['a fragment in the target', `GET /livez#x HTTP/1.1\r\n${HOST}\r\n`],
  ['a query', `GET /readyz?verbose HTTP/1.1\r\n${HOST}\r\n${NEXT}`],
  ['a 204', `GET /zeebe/health HTTP/1.1\r\n${HOST}\r\n${NEXT}`],
  ['a head still arriving', GET],
  ['a head still arriving, ending in CR', `${GET}\r`],
  ...PLAIN_CORPUS,
];

describe('the fast path is as strict as node:http', () => {
  it.concurrent.each(CORPUS)('%s', async (_case, bytes) => {
    const [fast, node] = await Promise.all([exchange(fastPort, bytes), exchange(referencePort, bytes)]);
    expect(fast).toEqual(node);
  });

  it.concurrent.each(PLAIN_CORPUS)('%s: as a plain node:http server with its defaults', async (_case, bytes) => {
    const [fast, node] = await Promise.all([exchange(fastPort, bytes), exchange(plainPort, bytes)]);
    expect(fast).toEqual(node);
  });

  it.each([
    ['duplicate Content-Length', `${GET}Content-Length: 5\r\nContent-Length: 0\r\n\r\n${NEXT}`, [400]],
    ['a bare LF in a header value', `${GET}X-A: a\nContent-Length: 5\r\n\r\n${NEXT}`, [400]],
    ['NUL in the target', `GET /li\x00vez HTTP/1.1\r\n${HOST}\r\n`, [400]],
    ['a TLS ClientHello', '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03', [400]],
    ['a 9,000-character URL', `GET /${'a'.repeat(9000)} HTTP/1.1\r\n${HOST}\r\n`, [414]],
  ])('refuses %s at once with one answer and closes', async (_case, bytes, statuses) => {
    expect(await exchange(fastPort, bytes, 300)).toEqual({ statuses, open: false });
  });

  it('closes after answering Connection: close, foo', async () => {
    expect(await exchange(fastPort, `${GET}Connection: close, foo\r\n\r\n`)).toEqual({ statuses: [200], open: false });
  });

  it('sends no Content-Length with a 204, on the fast path and on node:http', async () => {
    for (const path of ['/zeebe/health', '/zeebe/health?x']) {
      const response = await fetch(`${probe.url}${path}`);
      expect(response.status).toBe(204);
      expect(response.headers.get('content-length')).toBeNull();
    }
  });
});

describe('the HEALTH_TOKEN bearer', () => {
  const brokers: BrokerProcess[] = [];
  afterAll(() => stopAll(brokers));

  it('is accepted whatever the case of its scheme, and only with the right token', async () => {
    const broker = await BrokerProcess.start({ env: { HEALTH_DETAILS: 'when-authorized', HEALTH_TOKEN: 's3cret-token' } });
    brokers.push(broker);
    const details = async (authorization?: string) => {
      const response = await fetch(`http://127.0.0.1:${broker.healthPort}/api/v1/health/broker`, {
        headers: authorization ? { authorization } : {},
      });
      return 'details' in ((await response.json()) as object);
    };
    expect(await details('Bearer s3cret-token')).toBe(true);
    expect(await details('bearer s3cret-token')).toBe(true);
    expect(await details('BEARER  s3cret-token')).toBe(true);
    expect(await details('bearer s3cret-tokeN')).toBe(false);
    expect(await details('Basic s3cret-token')).toBe(false);
    expect(await details()).toBe(false);
  }, 30_000);
});
