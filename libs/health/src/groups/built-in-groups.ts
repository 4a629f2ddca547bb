/** The groups every configuration has, whatever the options name. */
export const BUILT_IN_GROUPS = ['liveness', 'readiness', 'startup'] as const;
export type BuiltInGroup = (typeof BUILT_IN_GROUPS)[number];

/** The groups a start-up or a drain holds OUT_OF_SERVICE; liveness is never held. */
export const HELD_GROUPS: readonly BuiltInGroup[] = ['readiness', 'startup'];

/** The groups whose states count in the system status beside the components (HiveMQ's liveness-state, readiness-state). */
export const SYSTEM_STATE_GROUPS: readonly BuiltInGroup[] = ['liveness', 'readiness'];
