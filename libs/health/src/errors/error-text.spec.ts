import { runInNewContext } from 'node:vm';
import { describe, expect, it } from '@jest/globals';
import { errorText, MAX_REASON_LENGTH } from './error-text.js';

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
    expect(errorText({ code: 'E' })).toBe('non-error thrown: an object with code');
    expect(errorText({})).toBe('non-error thrown: an object');
    expect(errorText({ message: 'a rejection shaped like an error' })).toBe('a rejection shaped like an error');
    expect(errorText({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 })).toBe('non-error thrown: an object with a, b, c, d, e, …');
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

  it('never dumps an object, which may hold a password or a token: only its keys are named', () => {
    const leaky = new Error('connect failed', { cause: { host: 'db', user: 'app', password: 'hunter2' } });
    expect(errorText(leaky)).toBe('connect failed');
    expect(errorText({ status: 401, headers: { authorization: 'Bearer eyJsecret' } })).toBe(
      'non-error thrown: an object with status, headers',
    );
    expect(errorText(new AggregateError([{ password: 'x' }, new Error('refused')]))).toBe('refused');
    expect(errorText(new Error('wrapped', { cause: 'plain text cause' }))).toBe('wrapped: plain text cause');
  });

  it('keeps a reason to one line of at most MAX_REASON_LENGTH characters, however large the errors', () => {
    const big = (tag: string) => new Error(`${tag} ${'x'.repeat(2000)}`);
    const tree = new AggregateError([big('a'), big('b'), big('c')], 'all failed', { cause: new AggregateError([big('d'), big('e')]) });
    const text = errorText(tree);
    expect(text).toHaveLength(MAX_REASON_LENGTH);
    expect(text.startsWith('all failed: a xxx')).toBe(true);
    expect(text.endsWith('…')).toBe(true);
    const cyclic = new Error('loop');
    (cyclic as { cause?: unknown }).cause = cyclic;
    expect(errorText(cyclic)).toBe('loop');
  });

  it('masks credentials in a cause too', () => {
    expect(errorText(new Error('cannot connect', { cause: new Error('redis://admin:hunter2@cache:6379 refused') }))).toBe(
      'cannot connect: redis://***@cache:6379 refused',
    );
  });
});
