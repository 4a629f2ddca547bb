import { describe, expect, it } from '@jest/globals';
import { emptyResponse, errorResponse, jsonResponse, methodNotAllowed, notFound } from './view-response.js';

describe('jsonResponse', () => {
  it('serialises the payload with the given status code', () => {
    const response = jsonResponse(503, { status: 'DOWN' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toBe('{"status":"DOWN"}');
  });

  it('sends JSON, never cached, with its length', () => {
    expect(jsonResponse(200, { status: 'UP' }).headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'content-length': '15',
      'cache-control': 'no-store',
    });
  });

  it('counts content-length in bytes, not characters', () => {
    const response = jsonResponse(200, { status: 'UP', details: { region: 'Zürich €' } });
    // "ü" takes 2 bytes and "€" 3, so the body is 3 bytes longer than its character count.
    expect(response.body!.length).toBe(47);
    expect(response.headers['content-length']).toBe('50');
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body!, 'utf8'));
  });
});

describe('emptyResponse', () => {
  it('has no body, a zero length and no caching', () => {
    const response = emptyResponse(503);
    expect(response).toEqual({ statusCode: 503, headers: { 'cache-control': 'no-store', 'content-length': '0' } });
    expect(response.body).toBeUndefined();
  });

  it('sends no Content-Length with a 204 (RFC 9110)', () => {
    expect(emptyResponse(204)).toEqual({ statusCode: 204, headers: { 'cache-control': 'no-store' } });
  });
});

describe('notFound', () => {
  it('answers 404 in JSON with the message', () => {
    const response = notFound('no health component or group at "nope"');
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body!)).toEqual({ statusCode: 404, error: 'Not Found', message: 'no health component or group at "nope"' });
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.body!)));
  });
});

describe('methodNotAllowed', () => {
  it('answers 405 with an allow header listing the methods', () => {
    const response = methodNotAllowed('POST', ['GET', 'HEAD']);
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD');
    expect(JSON.parse(response.body!)).toEqual({
      statusCode: 405,
      error: 'Method Not Allowed',
      message: 'POST is not allowed; use GET or HEAD',
    });
  });

  it('keeps the JSON headers', () => {
    const response = methodNotAllowed('DELETE', ['GET']);
    expect(response.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(response.body!)),
      'cache-control': 'no-store',
      allow: 'GET',
    });
  });
});

describe('errorResponse', () => {
  it.each([
    [400, 'Bad Request'],
    [404, 'Not Found'],
    [405, 'Method Not Allowed'],
    [408, 'Request Timeout'],
    [414, 'URI Too Long'],
    [431, 'Request Header Fields Too Large'],
    [500, 'Internal Server Error'],
  ] as const)('answers %i in JSON with its reason phrase', (statusCode, error) => {
    const response = errorResponse(statusCode);
    expect(response.statusCode).toBe(statusCode);
    expect(response.body).toBe(JSON.stringify({ statusCode, error }));
    expect(response.headers).toEqual(jsonResponse(statusCode, { statusCode, error }).headers);
  });

  it('adds the message when there is one', () => {
    expect(JSON.parse(errorResponse(400, 'a Host header is required').body!)).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'a Host header is required',
    });
  });
});
