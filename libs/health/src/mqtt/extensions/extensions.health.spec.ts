import { describe, expect, it } from '@jest/globals';
import type { ExtensionState } from '../mqtt-health.interfaces.js';
import { extensionComponent, ExtensionsHealthIndicator } from './extensions.health.js';

const base: ExtensionState = {
  id: 'acl',
  name: 'ACL',
  version: '1.0.0',
  author: 'me',
  priority: 10,
  startPriority: 20,
  enabled: true,
  started: true,
  startedAt: 1,
  reloadedAt: 2,
  configuration: { 'rules-count': 3 },
};

describe('ExtensionsHealthIndicator', () => {
  it('is UP with no sub-components without an extension source or with no extension installed', () => {
    expect(new ExtensionsHealthIndicator().check()).toEqual({ status: 'UP' });
    expect(new ExtensionsHealthIndicator({ extensions: () => [] }).check()).toEqual({ status: 'UP' });
  });

  it('has one sub-component per installed extension', () => {
    const check = new ExtensionsHealthIndicator({ extensions: () => [base, { ...base, id: 'second' }] }).check();
    expect(Object.keys(check.components!)).toEqual([base.id, 'second']);
  });

  it('shapes a running extension like HiveMQ', () => {
    expect(extensionComponent(base)).toEqual({
      status: 'UP',
      details: { author: 'me', enabled: true, name: 'ACL', priority: 10, 'start-priority': 20, startedAt: 1, version: '1.0.0' },
      components: {
        application: { status: 'UP', components: { configuration: { status: 'UP', details: { 'rules-count': 3, 'reloaded-at': 2 } } } },
        internals: { status: 'UP', components: { entrypoint: { status: 'UP', details: { 'started-at': 1 } }, services: { status: 'UP' } } },
      },
    });
  });

  it('marks a start failure DOWN, a hook exception and a rejected reload DEGRADED', () => {
    const failed = extensionComponent({ ...base, started: false, startedAt: undefined, lastStartupFailure: 'no config' });
    expect(failed.components!.internals.components!.entrypoint).toEqual({
      status: 'DOWN',
      details: { 'started-at': null, 'last-startup-failure': 'no config' },
    });
    expect(failed.components!.application).toBeUndefined();
    const threw = extensionComponent({ ...base, lastFailure: 'TypeError: x' });
    expect(threw.components!.internals.components!.entrypoint).toMatchObject({
      status: 'DEGRADED',
      details: { 'last-failure': 'TypeError: x' },
    });
    const rejected = extensionComponent({ ...base, lastConfigurationFailure: 'bad' });
    expect(rejected.components!.application.components!.configuration).toMatchObject({
      status: 'DEGRADED',
      details: { 'last-failure': 'bad' },
    });
  });

  it('turns UP again once the host says a hook failure no longer counts, keeping it and its time in the details', () => {
    const aged = extensionComponent({ ...base, lastFailure: 'TypeError: x', lastFailureAt: 1_700_000_000_000, failing: false });
    expect(aged.components!.internals.components!.entrypoint).toEqual({
      status: 'UP',
      details: { 'started-at': base.startedAt, 'last-failure': 'TypeError: x', 'last-failure-at': 1_700_000_000_000 },
    });
    const recent = extensionComponent({ ...base, lastFailure: 'TypeError: x', lastFailureAt: 1_700_000_000_000, failing: true });
    expect(recent.components!.internals.components!.entrypoint.status).toBe('DEGRADED');
  });

  it('reads enabled: false for a DOWN extension, as in HiveMQ, keeping the time its failed start began', () => {
    const down = extensionComponent({ ...base, started: false, startedAt: 5, lastStartupFailure: 'no config' });
    expect(down.details).toEqual({
      author: 'me',
      enabled: false,
      name: 'ACL',
      priority: 10,
      'start-priority': 20,
      startedAt: 5,
      version: '1.0.0',
    });
    expect(down.components!.internals).toEqual({
      status: 'UP',
      components: {
        entrypoint: { status: 'DOWN', details: { 'started-at': 5, 'last-startup-failure': 'no config' } },
        services: { status: 'UP' },
      },
    });
    expect(extensionComponent({ ...base, lastFailure: 'TypeError: x' }).details!.enabled).toBe(true);
  });

  it('prints every details object with its keys in alphabetical order, as HiveMQ does', () => {
    const threw = extensionComponent({ ...base, lastFailure: 'x', lastFailureAt: 3, lastConfigurationFailure: 'bad' });
    expect(Object.keys(threw.details!)).toEqual(['author', 'enabled', 'name', 'priority', 'start-priority', 'startedAt', 'version']);
    expect(Object.keys(threw.components!.internals.components!.entrypoint.details!)).toEqual([
      'last-failure',
      'last-failure-at',
      'started-at',
    ]);
    expect(Object.keys(threw.components!.application.components!.configuration.details!)).toEqual([
      'last-failure',
      'reloaded-at',
      'rules-count',
    ]);
    const down = extensionComponent({ ...base, started: false, lastStartupFailure: 'no config' });
    expect(Object.keys(down.components!.internals.components!.entrypoint.details!)).toEqual(['last-startup-failure', 'started-at']);
  });

  it('keeps a disabled extension out of trouble', () => {
    const disabled = extensionComponent({ ...base, enabled: false, started: false, startedAt: undefined });
    expect(disabled.details!.enabled).toBe(false);
    expect(disabled.components!.internals.components!.entrypoint.status).toBe('UP');
  });
});
