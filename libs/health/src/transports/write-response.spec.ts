import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import { emptyResponse, jsonResponse, type ViewResponse } from '../views/view-response.js';
import { encodeResponse, writeOnSocket, writeResponse } from './write-response.js';

/** What writeOnSocket puts on a socket, and whether it ended it. */
function onSocket(view: ViewResponse, method: string, keepAlive: boolean): { text: string; ended: boolean } {
  const socket = new PassThrough();
  writeOnSocket(socket as unknown as Socket, view, method, keepAlive);
  return { text: readAll(socket), ended: socket.writableEnded };
}

function readAll(socket: PassThrough): string {
  const chunks: Buffer[] = [];
  for (let chunk = socket.read() as Buffer | null; chunk; chunk = socket.read() as Buffer | null) chunks.push(chunk);
  return Buffer.concat(chunks).toString('latin1');
}

const DATE = /date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n\r\n/;
const count = (text: string, part: string) => text.toLowerCase().split(part).length - 1;

describe('writeOnSocket', () => {
  const view = jsonResponse(503, { status: 'DOWN' });

  it('writes a keep-alive head, the date line and the body, and leaves the socket open', () => {
    const { text, ended } = onSocket(view, 'GET', true);
    const [head, body] = text.split('\r\n\r\n');
    expect(head.split('\r\n')).toEqual([
      'HTTP/1.1 503 Service Unavailable',
      'content-type: application/json; charset=utf-8',
      'content-length: 17',
      'cache-control: no-store',
      'x-content-type-options: nosniff',
      'connection: keep-alive',
      'keep-alive: timeout=5',
      expect.stringMatching(/^date: /),
    ]);
    expect(text).toMatch(DATE);
    expect(body).toBe('{"status":"DOWN"}');
    expect(ended).toBe(false);
  });

  it('says close, and ends the socket, without keep-alive', () => {
    const { text, ended } = onSocket(view, 'GET', false);
    expect(ended).toBe(true);
    expect(text).toContain('\r\nconnection: close\r\ndate: ');
    expect(text).not.toContain('keep-alive');
    expect(text.endsWith('{"status":"DOWN"}')).toBe(true);
  });

  it('answers HEAD with the head of GET and no body', () => {
    const get = onSocket(view, 'GET', true).text;
    const head = onSocket(view, 'HEAD', true).text;
    expect(head).toBe(get.slice(0, get.indexOf('\r\n\r\n') + 4));
    expect(head).toContain('content-length: 17');
  });

  it('writes a bodiless answer with its head only', () => {
    expect(onSocket(emptyResponse(204), 'GET', true).text).toMatch(
      /^HTTP\/1\.1 204 No Content\r\ncache-control: no-store\r\n[^]*\r\n\r\n$/,
    );
  });

  it('sends nosniff once, also when a view names it itself', () => {
    const own: ViewResponse = { statusCode: 200, headers: { 'x-content-type-options': 'nosniff', 'content-length': '0' } };
    expect(count(onSocket(view, 'GET', true).text, 'x-content-type-options')).toBe(1);
    expect(count(onSocket(own, 'GET', false).text, 'x-content-type-options')).toBe(1);
  });

  it('encodes an answer once, whatever the number of connections it is written to', () => {
    const answer = jsonResponse(200, { status: 'UP' });
    expect(encodeResponse(answer)).toBe(encodeResponse(answer));
    expect(encodeResponse(answer)).not.toBe(encodeResponse(jsonResponse(200, { status: 'UP' })));
  });
});

describe('writeResponse', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** Answers every request with `answer(response)`; resolves to what a client got. */
  async function exchange(method: string, answer: (response: ServerResponse, request: IncomingMessage) => void) {
    server = createServer((request, response) => answer(response, request));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new Promise<{ status?: number; headers: IncomingMessage['rawHeaders']; body: string }>((resolve, reject) => {
      const request = httpRequest({ port, host: '127.0.0.1', method, path: '/readyz' }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode, headers: response.rawHeaders, body }));
      });
      request.on('error', reject);
      request.end();
    });
  }

  const view = jsonResponse(200, { status: 'UP' });
  const names = (raw: string[]) => raw.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());

  it('writes the view through node:http with nosniff once', async () => {
    const reply = await exchange('GET', (response) => writeResponse(response, view, 'GET'));
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('{"status":"UP"}');
    expect(names(reply.headers).filter((name) => name === 'x-content-type-options')).toHaveLength(1);
    expect(names(reply.headers)).toEqual(expect.arrayContaining(['content-type', 'content-length', 'cache-control', 'date']));
  });

  it('answers HEAD without a body', async () => {
    const reply = await exchange('HEAD', (response) => writeResponse(response, view, 'HEAD'));
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('');
  });

  it("takes a Fastify reply's raw response over, and writes nothing once headers are sent", async () => {
    let hijacked = false;
    const reply = await exchange('GET', (response) => {
      writeResponse({ raw: response, hijack: () => (hijacked = true) }, view, 'GET');
      writeResponse(response, jsonResponse(500, {}), 'GET');
    });
    expect(hijacked).toBe(true);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('{"status":"UP"}');
  });
});
