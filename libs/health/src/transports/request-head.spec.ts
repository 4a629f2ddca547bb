import { describe, expect, it } from '@jest/globals';
import { parseRequestHead, type RequestHead } from './request-head.js';

const parse = (text: string, max = 8192) => parseRequestHead(Buffer.from(text, 'latin1'), max);
const head = (text: string) => parse(text) as RequestHead;

describe('parseRequestHead', () => {
  it('reads the request line, lowercased headers and the head length', () => {
    const text = 'GET /readyz HTTP/1.1\r\nHost: a\r\nX-Thing:  two words \r\n\r\nGET /next';
    expect(head(text)).toEqual({
      method: 'GET',
      target: '/readyz',
      http10: false,
      keepAlive: true,
      hasBody: false,
      headers: { host: 'a', 'x-thing': 'two words' },
      length: text.indexOf('GET /next'),
    });
  });

  it('waits for the rest of a head, and refuses one past the limit', () => {
    expect(parse('GET /readyz HTTP/1.1\r\nHost: a\r\n')).toBe('incomplete');
    expect(parse(`GET /readyz HTTP/1.1\r\nX: ${'a'.repeat(100)}`, 64)).toBe('too-large');
    expect(parse(`GET /readyz HTTP/1.1\r\nX: ${'a'.repeat(100)}\r\n\r\n`, 64)).toBe('too-large');
  });

  it.each([
    ['a lowercase method', 'get / HTTP/1.1\r\n\r\n'],
    ['HTTP/2', 'GET / HTTP/2.0\r\n\r\n'],
    ['a missing version', 'GET /\r\n\r\n'],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost a\r\n\r\n'],
    ['a folded header line', 'GET / HTTP/1.1\r\nHost: a\r\n  folded\r\n\r\n'],
    ['a space in a header name', 'GET / HTTP/1.1\r\nHo st: a\r\n\r\n'],
  ])('calls %s malformed', (_case, text) => {
    expect(parse(text)).toBe('malformed');
  });

  it('keeps HTTP/1.1 alive unless told to close, and HTTP/1.0 only when asked', () => {
    expect(head('GET / HTTP/1.1\r\nConnection: close\r\n\r\n').keepAlive).toBe(false);
    expect(head('GET / HTTP/1.0\r\n\r\n')).toMatchObject({ http10: true, keepAlive: false });
    expect(head('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n').keepAlive).toBe(true);
  });

  it('sees a body in a Content-Length above 0 or any Transfer-Encoding', () => {
    expect(head('POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n').hasBody).toBe(false);
    expect(head('POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n').hasBody).toBe(true);
    expect(head('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n').hasBody).toBe(true);
  });
});
