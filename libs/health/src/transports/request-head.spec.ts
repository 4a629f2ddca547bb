import { describe, expect, it } from '@jest/globals';
import { parseRequestHead, type RequestHead } from './request-head.js';

const parse = (text: string, max = 8192) => parseRequestHead(Buffer.from(text, 'latin1'), max);
const head = (text: string) => parse(text) as RequestHead;

describe('parseRequestHead', () => {
  it('reads the request line, lowercased headers and the head length', () => {
    const text = 'GET /readyz HTTP/1.1\r\nHost: a\r\nX-Thing: \t two words \t\r\n\r\nGET /next';
    expect(head(text)).toEqual({
      method: 'GET',
      target: '/readyz',
      http10: false,
      keepAlive: true,
      headers: { host: 'a', 'x-thing': 'two words' },
      length: text.indexOf('GET /next'),
    });
  });

  it('waits for the rest of a head that can still be a plain GET or HEAD', () => {
    expect(parse('GET /readyz HTTP/1.1\r\nHost: a\r\n')).toBe('incomplete');
    expect(parse('GET /readyz HTTP/1.1\r\nHost: a\r\n\r')).toBe('incomplete');
    expect(parse('HEA')).toBe('incomplete');
  });

  it.each([
    ['a head past the limit', `GET /readyz HTTP/1.1\r\nX: ${'a'.repeat(100)}\r\n\r\n`],
    ['a head growing past the limit', `GET /readyz HTTP/1.1\r\nX: ${'a'.repeat(100)}`],
    ['another method', 'POST / HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a lowercase method', 'get / HTTP/1.1\r\n\r\n'],
    ['HTTP/2', 'GET / HTTP/2.0\r\n\r\n'],
    ['a missing version', 'GET /\r\n\r\n'],
    ['a leading empty line', '\r\nGET / HTTP/1.1\r\n\r\n'],
    ['two spaces in the request line', 'GET  / HTTP/1.1\r\n\r\n'],
    ['an absolute-form target', 'GET http://a/ HTTP/1.1\r\n\r\n'],
    ['NUL in the target', 'GET /re\x00dyz HTTP/1.1\r\n\r\n'],
    ['DEL in the target', 'GET /re\x7fdyz HTTP/1.1\r\n\r\n'],
    ['a byte above 0x7f in the target', 'GET /r\xe9adyz HTTP/1.1\r\n\r\n'],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost a\r\n\r\n'],
    ['a folded header line', 'GET / HTTP/1.1\r\nHost: a\r\n  folded\r\n\r\n'],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n'],
    ['NUL in a header value', 'GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n'],
    ['a bare CR in a header value', 'GET / HTTP/1.1\r\nX: a\rb\r\n\r\n'],
    ['a bare LF in a header value', 'GET / HTTP/1.1\r\nX: a\nContent-Length: 5\r\n\r\n'],
    ['two Content-Length headers', 'GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n'],
    ['a Content-Length padded with NBSP', 'GET / HTTP/1.1\r\nContent-Length: \xa05\r\n\r\n'],
    ['a Content-Length padded with a vertical tab', 'GET / HTTP/1.1\r\nContent-Length: \x0b5\r\n\r\n'],
    ['a body', 'GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n'],
    ['any Transfer-Encoding', 'GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['Expect', 'GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n'],
    ['Connection saying close and keep-alive', 'GET / HTTP/1.1\r\nConnection: close, keep-alive\r\n\r\n'],
    ['a head of bare LFs still arriving', 'GET / HTTP/1.1\nHost: a\n'],
    ['a TLS ClientHello', '\x16\x03\x01\x00\xa5\x01\x00'],
    ['an HTTP/2 preface', 'PRI * HTTP/2.0\r\n'],
  ])('leaves %s to node:http', (_case, text) => {
    expect(parse(text, 64)).toBe('unusual');
  });

  it('reads every Connection header and every token in it, as node:http does', () => {
    expect(head('GET / HTTP/1.1\r\nConnection: close\r\n\r\n').keepAlive).toBe(false);
    expect(head('GET / HTTP/1.1\r\nConnection: close, foo\r\n\r\n').keepAlive).toBe(false);
    expect(head('GET / HTTP/1.1\r\nConnection: foo\r\nConnection: Close\r\n\r\n').keepAlive).toBe(false);
    expect(head('GET / HTTP/1.1\r\nConnection: foo\r\n\r\n').keepAlive).toBe(true);
    expect(head('GET / HTTP/1.0\r\n\r\n')).toMatchObject({ http10: true, keepAlive: false });
    expect(head('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n').keepAlive).toBe(true);
    expect(head('GET / HTTP/1.0\r\nConnection: foo, keep-alive\r\n\r\n').keepAlive).toBe(true);
  });

  it('answers a zero Content-Length itself', () => {
    expect(head('GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n').method).toBe('GET');
    expect(head('GET / HTTP/1.1\r\nContent-Length:  00 \r\n\r\n').method).toBe('GET');
  });
});
