import { describe, expect, it } from '@jest/globals';
import { HealthConfigError } from '../errors/health.errors.js';
import { VIEW_NAMES } from '../views/view-registry.js';
import { createHealthConfig } from './health-config.js';
import type { HealthListenerOptions, HealthModuleOptions } from './health-options.interface.js';

const ZEEBE_LIVENESS: HealthModuleOptions['groups'] = { 'zeebe-liveness': { members: ['cluster'], graceMs: { cluster: 300_000 } } };

function mountsOf(views: HealthListenerOptions['views'], groups = ZEEBE_LIVENESS) {
  return createHealthConfig({ groups, healthApi: { enabled: true, listeners: [{ port: 0, views }] } }, VIEW_NAMES).healthApi.listeners[0]
    .views;
}

function refusal(views: unknown, groups = ZEEBE_LIVENESS): string {
  try {
    mountsOf(views as HealthListenerOptions['views'], groups);
  } catch (error) {
    expect(error).toBeInstanceOf(HealthConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('a view mount naming the groups it answers from', () => {
  it('keeps the group each built-in route answers from', () => {
    expect(mountsOf([{ view: 'actuator', groups: { liveness: 'zeebe-liveness' } }, 'hivemq'])).toEqual([
      { view: 'actuator', prefix: undefined, groups: { liveness: 'zeebe-liveness' } },
      { view: 'hivemq', prefix: undefined },
    ]);
  });

  it('drops a mapping of a group to itself, so the mount is the plain view', () => {
    expect(mountsOf([{ view: 'fluxmq', groups: { liveness: 'liveness', readiness: 'readiness' } }])).toEqual([
      { view: 'fluxmq', prefix: undefined },
    ]);
  });

  it('refuses a group that is not configured, naming the field and the groups there are', () => {
    const message = refusal([{ view: 'actuator', groups: { liveness: 'zeebe-livenes' } }]);
    expect(message).toContain('healthApi.listeners[0].views[0].groups.liveness');
    expect(message).toContain('zeebe-livenes');
    expect(message).toContain('liveness, readiness, startup, zeebe-liveness');
  });

  it('refuses a key that is not a group a view answers from', () => {
    expect(refusal([{ view: 'actuator', groups: { health: 'zeebe-liveness' } }])).toContain(
      'healthApi.listeners[0].views[0].groups.health',
    );
  });

  it('refuses groups that are not an object, and an unknown mount option', () => {
    expect(refusal([{ view: 'actuator', groups: 'zeebe-liveness' }])).toContain('healthApi.listeners[0].views[0].groups');
    expect(refusal(['hivemq', { view: 'actuator', group: { liveness: 'zeebe-liveness' } }])).toContain(
      'healthApi.listeners[0].views[1].group',
    );
  });
});
