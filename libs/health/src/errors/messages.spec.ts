import { describe, expect, it } from '@jest/globals';
import { INVALID_INDICATOR_OPTION, INVALID_OPTION } from './messages.js';

const got = (value: unknown) => /\(got (.*)\)\. Fix it/.exec(INVALID_OPTION('drainMs', 'must be a number', value))?.[1];

describe('the value a message quotes', () => {
  it('is what the user passed, where JSON would say null or 0', () => {
    expect(got(NaN)).toBe('NaN');
    expect(got(Infinity)).toBe('Infinity');
    expect(got(-Infinity)).toBe('-Infinity');
    expect(got(-0)).toBe('-0');
    expect(got(10n)).toBe('10n');
  });

  it('is JSON otherwise, inside objects too', () => {
    expect(got(5)).toBe('5');
    expect(got('5000')).toBe('"5000"');
    expect(got(null)).toBe('null');
    expect(got(undefined)).toBe('undefined');
    expect(got({ port: NaN, bindAddress: '127.0.0.1' })).toBe('{"port":NaN,"bindAddress":"127.0.0.1"}');
    expect(got([1, Infinity])).toBe('[1,Infinity]');
  });

  it('names a function instead of printing its source', () => {
    expect(got(function authorize() {})).toBe('function authorize');
    expect(INVALID_INDICATOR_OPTION('DbHealth', 'timeoutMs', 'must be a positive integer', NaN)).toContain('(got NaN)');
  });
});
