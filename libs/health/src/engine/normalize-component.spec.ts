import { describe, expect, it } from '@jest/globals';
import type { HealthComponent } from '../model/health-component.interface.js';
import { errorText, redactCredentials } from '../errors/error-text.js';
import { failedComponent, normalizeComponent } from './normalize-component.js';

/** A chain of `levels` components below the root. */
function chain(levels: number): Record<string, unknown> {
  let node: Record<string, unknown> = { status: 'UP' };
  for (let i = 0; i < levels; i++) node = { status: 'UP', components: { [`level-${levels - i}`]: node } };
  return node;
}

describe('normalizeComponent', () => {
  it('copies a valid tree exactly', () => {
    const input: HealthComponent = {
      status: 'DEGRADED',
      details: { 'cpu-count': 10, nested: { list: [1, 'two', null], flag: false } },
      components: {
        'tcp-listener-1883': { status: 'UP', details: { port: 1883 } },
        'tls-tcp-listener-8883': { status: 'DEGRADED', components: { keystore: { status: 'DEGRADED' } } },
      },
    };
    const copy = normalizeComponent(input);
    expect(copy).toStrictEqual(input);
    expect(copy).not.toBe(input);
    expect(copy.details).not.toBe(input.details);
    expect(copy.components).not.toBe(input.components);
  });

  it('adds no details or components keys that were not given', () => {
    expect(normalizeComponent({ status: 'UP' })).toStrictEqual({ status: 'UP' });
    expect(Object.keys(normalizeComponent({ status: 'UP', details: undefined }))).toEqual(['status']);
  });

  it('keeps an empty components object', () => {
    expect(normalizeComponent({ status: 'UP', components: {} })).toStrictEqual({ status: 'UP', components: {} });
  });

  it('is not affected by mutating the input afterwards', () => {
    const input = {
      status: 'UP' as const,
      details: { connections: 1, peers: ['a'] },
      components: { listener: { status: 'UP' as const, details: { port: 1883 } } } as Record<string, HealthComponent>,
    };
    const copy = normalizeComponent(input);
    input.status = 'DOWN' as never;
    input.details.connections = 2;
    input.details.peers.push('b');
    input.components.listener.status = 'DOWN';
    input.components.listener.details!.port = 1;
    input.components.extra = { status: 'DOWN' };
    expect(copy).toStrictEqual({
      status: 'UP',
      details: { connections: 1, peers: ['a'] },
      components: { listener: { status: 'UP', details: { port: 1883 } } },
    });
  });

  it('turns details into their JSON form', () => {
    const copy = normalizeComponent({ status: 'UP', details: { at: new Date(0), skipped: undefined, fn: () => 1 } });
    expect(copy.details).toStrictEqual({ at: '1970-01-01T00:00:00.000Z' });
  });

  it.each([null, undefined, 'UP', 42, [{ status: 'UP' }]])('rejects a non-object result %p', (value) => {
    expect(() => normalizeComponent(value)).toThrow('(root) is not an object');
  });

  it.each([undefined, 'OK', 'up', 'HEALTHY', 1])('rejects the status %p', (status) => {
    expect(() => normalizeComponent({ status })).toThrow(
      `(root).status ${JSON.stringify(status)} is not one of UP, UNKNOWN, DEGRADED, DEGRADED_SERVICE, DOWN, OUT_OF_SERVICE`,
    );
  });

  it('names the path of an invalid nested status', () => {
    expect(() =>
      normalizeComponent({ status: 'UP', components: { mqtt: { status: 'UP', components: { tcp: { status: 'FINE' } } } } }),
    ).toThrow('(root).components.mqtt.components.tcp.status "FINE" is not one of');
  });

  it('rejects extra keys and points to details', () => {
    expect(() => normalizeComponent({ status: 'UP', message: 'all good', port: 1883 })).toThrow(
      '(root) has unexpected keys message, port (use details)',
    );
    expect(() => normalizeComponent({ status: 'UP', components: { a: { status: 'UP', error: 'x' } } })).toThrow(
      '(root).components.a has unexpected keys error',
    );
  });

  it.each([null, 'text', 5, ['a']])('rejects details %p that are not an object', (details) => {
    expect(() => normalizeComponent({ status: 'UP', details })).toThrow('(root).details is not an object');
  });

  it('rejects details with a BigInt', () => {
    expect(() => normalizeComponent({ status: 'UP', details: { bytes: 10n } })).toThrow(
      /^\(root\)\.details cannot be serialised: .*BigInt/,
    );
  });

  it('rejects details with a cycle', () => {
    const details: Record<string, unknown> = { name: 'loop' };
    details.self = details;
    expect(() => normalizeComponent({ status: 'UP', components: { a: { status: 'UP', details } } })).toThrow(
      /^\(root\)\.components\.a\.details cannot be serialised: .*circular/i,
    );
  });

  it.each([null, 'mqtt', [{ status: 'UP' }]])('rejects components %p that are not an object', (components) => {
    expect(() => normalizeComponent({ status: 'UP', components })).toThrow('(root).components is not an object');
  });

  it.each(['', 'mqtt/tcp', '/'])('rejects the sub-component name %p', (name) => {
    expect(() => normalizeComponent({ status: 'UP', components: { [name]: { status: 'UP' } } })).toThrow(
      `(root) has a sub-component named ${JSON.stringify(name)}; names cannot be empty or contain "/"`,
    );
  });

  it('accepts 16 levels of sub-components and rejects 17', () => {
    expect(() => normalizeComponent(chain(16))).not.toThrow();
    expect(() => normalizeComponent(chain(17))).toThrow(/^component tree deeper than 16 at \(root\)(\.components\.level-\d+){17}$/);
  });

  it('redacts credentials from every string of the details, at any depth', () => {
    const copy = normalizeComponent({
      status: 'DOWN',
      details: { reason: 'lost redis://admin:hunter2@10.0.0.1:6379', nested: { urls: ['amqp://u:p@mq', 'no url'] }, port: 6379 },
      components: { peer: { status: 'DOWN', details: { 'last-failure': 'mqtts://bridge:s3cret@up:8883 refused' } } },
    });
    expect(copy).toStrictEqual({
      status: 'DOWN',
      details: { reason: 'lost redis://***@10.0.0.1:6379', nested: { urls: ['amqp://***@mq', 'no url'] }, port: 6379 },
      components: { peer: { status: 'DOWN', details: { 'last-failure': 'mqtts://***@up:8883 refused' } } },
    });
  });

  it('uses the given path in its messages', () => {
    expect(() => normalizeComponent({ status: 'NOPE' }, 'mqtt')).toThrow('mqtt.status "NOPE"');
  });
});

describe('failedComponent', () => {
  it('is DOWN with the reason in details', () => {
    expect(failedComponent('timed out after 50 ms')).toStrictEqual({ status: 'DOWN', details: { reason: 'timed out after 50 ms' } });
  });

  it('redacts credentials from the reason', () => {
    expect(failedComponent('redis://:pw@h:1 refused').details).toEqual({ reason: 'redis://***@h:1 refused' });
  });
});

describe('errorText', () => {
  it('uses an error message, or its name when the message is empty', () => {
    expect(errorText(new Error('connection refused'))).toBe('connection refused');
    expect(errorText(new TypeError())).toBe('TypeError');
  });

  it('keeps a thrown string and describes anything else', () => {
    expect(errorText('boom')).toBe('boom');
    expect(errorText(42)).toBe('non-error thrown: 42');
    expect(errorText(undefined)).toBe('non-error thrown: undefined');
  });
});

describe('redactCredentials', () => {
  it.each([
    ['redis://admin:hunter2@127.0.0.1:6379/0', 'redis://***@127.0.0.1:6379/0'],
    ['rediss://:hunter2@host', 'rediss://***@host'],
    ['mqtt://user@host', 'mqtt://***@host'],
    ['a raw "@" or "/" in the password: redis://u:p@ss/w@host:1 down', 'a raw "@" or "/" in the password: redis://***@host:1 down'],
    ['two: redis://a:b@h1 and amqp://c:d@h2', 'two: redis://***@h1 and amqp://***@h2'],
    ['"url":"redis://a:b@h"', '"url":"redis://***@h"'],
  ])('%s', (text, redacted) => {
    expect(redactCredentials(text)).toBe(redacted);
  });

  it('leaves text without a userinfo alone', () => {
    for (const text of ['ECONNREFUSED 127.0.0.1:6379', 'redis://127.0.0.1:6379', 'mail admin@example.com', 'http://host/a b@c']) {
      expect(redactCredentials(text)).toBe(text);
    }
  });

  it('is applied by errorText', () => {
    expect(errorText(new Error('connect redis://admin:hunter2@h:1'))).toBe('connect redis://***@h:1');
    expect(errorText('redis://admin:hunter2@h:1')).toBe('redis://***@h:1');
  });
});
