import { describe, expect, it } from '@jest/globals';
import { HealthIndicatorDefinitionError } from '../errors/health.errors.js';
import type { GroupDefinition } from '../model/health-group.interface.js';
import { resolveGroups, type GroupJoiner } from './resolve-groups.js';

const group = (name: string, members: string[] = []): GroupDefinition => ({ name, members, mapping: {}, graceMs: 0 });
const joiner = (name: string, groups: string[] = []): GroupJoiner => ({ name, className: `${name}HealthIndicator`, groups });
const BUILT_IN = [group('liveness'), group('readiness'), group('startup')];

function definitionError(run: () => unknown): HealthIndicatorDefinitionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HealthIndicatorDefinitionError);
    return error as HealthIndicatorDefinitionError;
  }
  throw new Error('expected a HealthIndicatorDefinitionError');
}

describe('resolveGroups', () => {
  it('gives each defined group, in order, its named members followed by the indicators that joined it', () => {
    const definitions = [group('liveness'), group('readiness', ['cluster', 'mqtt/tcp-listener-1883']), group('storage')];
    const resolved = resolveGroups(
      [joiner('cluster'), joiner('mqtt', ['readiness']), joiner('redis', ['storage', 'readiness'])],
      definitions,
    );
    expect(resolved).toEqual([
      { definition: definitions[0], members: [] },
      { definition: definitions[1], members: ['cluster', 'mqtt/tcp-listener-1883', 'mqtt', 'redis'] },
      { definition: definitions[2], members: ['redis'] },
    ]);
  });

  it('lists a member once when the options name it and the indicator joins too', () => {
    const [, readiness] = resolveGroups([joiner('cluster', ['readiness'])], [group('liveness'), group('readiness', ['cluster'])]);
    expect(readiness.members).toEqual(['cluster']);
  });

  it('rejects a member that names no indicator, listing the known ones', () => {
    const error = definitionError(() =>
      resolveGroups([joiner('cluster'), joiner('mqtt')], [group('readiness', ['cluster', 'storage/redis'])]),
    );
    expect(error.message).toBe(
      'Health group "readiness" names "storage/redis", but no health indicator has that name (known: cluster, mqtt). ' +
        "Fix the group's members or register the indicator.",
    );
    expect(definitionError(() => resolveGroups([], [group('readiness', ['cluster'])])).message).toContain('(known: none)');
  });

  it('rejects an indicator joining an undeclared group, listing the declared ones', () => {
    const error = definitionError(() => resolveGroups([joiner('bridge', ['edge'])], BUILT_IN));
    expect(error.message).toBe(
      'bridgeHealthIndicator joins health group "edge", which is not declared (declared: liveness, readiness, startup). ' +
        'Declare it in the "groups" option or fix the name.',
    );
  });

  it('rejects an indicator named like a group', () => {
    const error = definitionError(() => resolveGroups([joiner('readiness')], BUILT_IN));
    expect(error.message).toMatch(/^"readiness" is both a health group and the name of health indicator readinessHealthIndicator/);
  });
});
