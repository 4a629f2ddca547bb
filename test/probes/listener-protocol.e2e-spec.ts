import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bootProbeApp, type ProbeApp } from './probe-app.js';

let probe: ProbeApp;
let port: number;
beforeAll(async () => {
  probe = await bootProbeApp({}, ['hivemq', 'fluxmq', 'kubernetes', 'metrics', 'ui']);
  port = Number(new URL(probe.url).port);
});
afterAll(() => probe.app.close());

/** Sends raw bytes, collects the reply until the server closes or `ms` pass. */
function exchange(bytes: string, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('data', (data) => (reply += data.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(reply);
    });
    socket.write(bytes);
  });
}

const statusLines = (reply: string) => [...reply.matchAll(/HTTP\/1\.1 \d{3} [^\r]*/g)].map((match) => match[0]);
const bodies = (reply: string) =>
  reply
    .split('\r\n\r\n')
    .slice(1)
    .map((part) => part.split('HTTP/1.1 ')[0]);

describe('dedicated listener protocol', () => {
  it.each([
    ['a fast-path answer', 'GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 200],
    ['a node:http answer (query)', 'GET /readyz?verbose HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 200],
    ['a 404', 'GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 404],
    ['a 405 with a body', 'POST /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi', 405],
    ['metrics', 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 200],
    ['a malformed request', 'GET /readyz HTTP/1.1\r\nHost x\r\n\r\n', 400],
  ])('sends X-Content-Type-Options: nosniff on %s', async (_case, bytes, status) => {
    const reply = await exchange(bytes);
    expect(statusLines(reply)[0]).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(reply.toLowerCase()).toContain('x-content-type-options: nosniff');
  });

  it('answers a request without Host, and CONNECT, with the JSON 400 of other bad requests', async () => {
    for (const bytes of ['GET /readyz HTTP/1.1\r\n\r\n', 'CONNECT 127.0.0.1:1883 HTTP/1.1\r\nHost: 127.0.0.1:1883\r\n\r\n']) {
      const reply = await exchange(bytes);
      expect(statusLines(reply)).toEqual(['HTTP/1.1 400 Bad Request']);
      expect(JSON.parse(bodies(reply)[0])).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(reply.toLowerCase()).toContain('content-type: application/json');
    }
  });

  it('does not echo the requested path in a 404', async () => {
    const reply = await exchange('GET /api/v1/health/%3Cscript%3E HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusLines(reply)[0]).toBe('HTTP/1.1 404 Not Found');
    expect(reply).not.toContain('script');
  });

  it('answers pipelined requests in order across the fast path and node:http', async () => {
    const reply = await exchange(
      'GET /ready HTTP/1.1\r\nHost: x\r\n\r\n' +
        'GET /readyz?verbose HTTP/1.1\r\nHost: x\r\n\r\n' +
        'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n' +
        'HEAD /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(statusLines(reply)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 404 Not Found', 'HTTP/1.1 200 OK']);
    expect(reply).toContain('"status":"ready"');
    expect(reply).toContain('readyz check passed');
  });

  it('keeps HTTP/1.1 connections alive and closes HTTP/1.0 ones', async () => {
    const reply = await exchange('GET /ready HTTP/1.0\r\n\r\n');
    expect(statusLines(reply)).toEqual(['HTTP/1.1 200 OK']);
    expect(reply.toLowerCase()).toContain('connection: close');
    const alive = await exchange('GET /ready HTTP/1.1\r\nHost: x\r\n\r\n', 300);
    expect(alive.toLowerCase()).toContain('connection: keep-alive');
  });

  it('closes a client that sends its head too slowly with a 408', async () => {
    const reply = await exchange('GET /ready HTTP/1.1\r\nHost: x\r\n', 7000);
    expect(statusLines(reply)).toEqual(['HTTP/1.1 408 Request Timeout']);
  }, 10_000);

  it('answers HEAD with the headers of GET and no body', async () => {
    const reply = await exchange('HEAD /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const [head, body] = reply.split('\r\n\r\n');
    expect(head).toMatch(/content-length: [1-9]\d*/);
    expect(body).toBe('');
  });
});
