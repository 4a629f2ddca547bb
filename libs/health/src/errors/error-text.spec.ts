import { runInNewContext } from 'node:vm';
import { describe, expect, it } from '@jest/globals';
import { errorText } from './error-text.js';

describe('errorText', () => {
  it('reads the message of an error made in another realm, as Node hands its errors to code under Jest', () => {
    const foreign = runInNewContext('new Error("connect ECONNREFUSED 127.0.0.1:5432")') as unknown;
    expect(foreign instanceof Error).toBe(false);
    expect(errorText(foreign)).toBe('connect ECONNREFUSED 127.0.0.1:5432');
    const foreignType = runInNewContext('new TypeError("")') as unknown;
    expect(errorText(foreignType)).toBe('TypeError');
  });

  it('reads an error-like object (a DOMException) by its name and message', () => {
    expect(errorText(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe(
      'The operation was aborted due to timeout',
    );
  });

  it('masks credentials in a foreign error too', () => {
    expect(errorText(runInNewContext('new Error("cannot reach redis://admin:hunter2@cache:6379")'))).toBe(
      'cannot reach redis://***@cache:6379',
    );
  });

  it('says what was thrown when it is not an error', () => {
    expect(errorText('plain text')).toBe('plain text');
    expect(errorText(42)).toBe('non-error thrown: 42');
    expect(errorText({ code: 'E' })).toBe('non-error thrown: {"code":"E"}');
    expect(errorText({ message: 'a rejection shaped like an error' })).toBe('a rejection shaped like an error');
    expect(errorText({ big: 'x'.repeat(500) })).toHaveLength('non-error thrown: '.length + 201);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(errorText(circular)).toBe('non-error thrown: [object Object]');
    expect(errorText(undefined)).toBe('non-error thrown: undefined');
  });

  it('adds the cause a message does not quote, as fetch() hides why it failed', () => {
    const refused = runInNewContext('new Error("connect ECONNREFUSED 127.0.0.1:5432")') as unknown;
    expect(errorText(new TypeError('fetch failed', { cause: refused }))).toBe('fetch failed: connect ECONNREFUSED 127.0.0.1:5432');
    expect(errorText(new Error('query failed', { cause: new Error('deadlock detected') }))).toBe('query failed: deadlock detected');
    const quoted = new Error('cannot reach redis: connect ECONNREFUSED', { cause: new Error('connect ECONNREFUSED') });
    expect(errorText(quoted)).toBe('cannot reach redis: connect ECONNREFUSED');
    const deep = new Error('a', { cause: new Error('b', { cause: new Error('c', { cause: new Error('d', { cause: new Error('e') }) }) }) });
    expect(errorText(deep)).toBe('a: b: c: d');
  });

  it('reads the errors of an AggregateError, as Node throws one for a host with IPv4 and IPv6 addresses', () => {
    const dualStack = new AggregateError([new Error('connect ECONNREFUSED ::1:5432'), new Error('connect ECONNREFUSED 127.0.0.1:5432')]);
    expect(errorText(dualStack)).toBe('connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432');
    expect(errorText(new TypeError('fetch failed', { cause: dualStack }))).toBe(
      'fetch failed: connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432',
    );
    expect(errorText(new AggregateError([new Error('x'), new Error('x')], 'All failed'))).toBe('All failed: x');
    expect(errorText(new AggregateError([]))).toBe('AggregateError');
  });

  it('masks credentials in a cause too', () => {
    expect(errorText(new Error('cannot connect', { cause: new Error('redis://admin:hunter2@cache:6379 refused') }))).toBe(
      'cannot connect: redis://***@cache:6379 refused',
    );
  });
});
