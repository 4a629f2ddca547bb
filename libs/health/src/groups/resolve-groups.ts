import { HealthIndicatorDefinitionError } from '../errors/health.errors.js';
import { GROUP_NAME_COLLISION, UNKNOWN_GROUP_MEMBER, UNKNOWN_INDICATOR_GROUP } from '../errors/messages.js';
import type { GroupDefinition, GroupInput } from '../model/health-group.interface.js';
import type { RegisteredIndicator } from '../model/registered-indicator.interface.js';

/** What group resolution reads of an indicator. */
export type GroupJoiner = Pick<RegisteredIndicator, 'name' | 'className' | 'groups'>;

/**
 * Each defined group with its members: the ones its options name, then the indicators that joined it.
 * Throws HealthIndicatorDefinitionError for an indicator named like a group, one joining an undeclared
 * group, or a member that names no indicator.
 */
export function resolveGroups(indicators: readonly GroupJoiner[], definitions: readonly GroupDefinition[]): GroupInput[] {
  const names = indicators.map((i) => i.name);
  const declared = definitions.map((g) => g.name);
  for (const indicator of indicators) {
    if (declared.includes(indicator.name))
      throw new HealthIndicatorDefinitionError(GROUP_NAME_COLLISION(indicator.name, indicator.className));
    for (const group of indicator.groups) {
      if (!declared.includes(group))
        throw new HealthIndicatorDefinitionError(UNKNOWN_INDICATOR_GROUP(indicator.className, group, declared));
    }
  }
  return definitions.map((definition) => {
    for (const member of definition.members) {
      if (!names.includes(member.split('/')[0]))
        throw new HealthIndicatorDefinitionError(UNKNOWN_GROUP_MEMBER(definition.name, member, names));
    }
    const joined = indicators.filter((i) => i.groups.includes(definition.name)).map((i) => i.name);
    return { definition, members: [...new Set([...definition.members, ...joined])] };
  });
}
