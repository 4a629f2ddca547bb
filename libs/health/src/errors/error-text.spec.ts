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
    expect(errorText({ code: 'E' })).toBe('non-error thrown: [object Object]');
    expect(errorText(undefined)).toBe('non-error thrown: undefined');
  });
});
