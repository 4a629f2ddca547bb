/** Every message the module throws or logs at boot, each ending in what to do about it. */
export const INVALID_OPTION = (field: string, expected: string, got: unknown) =>
  `HealthModule option "${field}" ${expected} (got ${describe(got)}). Fix it in HealthModule.forRoot()/forRootAsync().`;

export const DUPLICATE_INDICATOR = (name: string, first: string, second: string) =>
  `Two health indicators are named "${name}": ${first} and ${second}. Give each @HealthIndicator() a unique name.`;

export const HEALTH_MODULE_IMPORTED_TWICE = (times: number) =>
  `HealthModule.forRoot()/forRootAsync() is imported ${times} times; import it once, in the root module (isGlobal: true shares it with every module). ` +
  `To change its options in a test, override them: Test.createTestingModule({ imports: [AppModule] }).overrideProvider(HEALTH_MODULE_OPTIONS).useValue({ ... }).`;

export const MISSING_CHECK_METHOD = (className: string, name: string) =>
  `${className} is marked @HealthIndicator('${name}') but has no check() method. Add check(): HealthComponent | Promise<HealthComponent>.`;

export const INVALID_INDICATOR_NAME = (className: string, name: unknown) =>
  `${className} has an invalid @HealthIndicator() name ${describe(name)}: use a non-empty name without "/", "?" or "#" (for example "storage").`;

export const INVALID_INDICATOR_OPTION = (className: string, field: string, expected: string, got: unknown) =>
  `${className}: @HealthIndicator() option "${field}" ${expected} (got ${describe(got)}).`;

export const UNKNOWN_GROUP_MEMBER = (group: string, member: string, known: string[]) =>
  `Health group "${group}" names "${member}", but no health indicator has that name (known: ${known.join(', ') || 'none'}). ` +
  `Fix the group's members or register the indicator.`;

export const UNKNOWN_INDICATOR_GROUP = (className: string, group: string, known: string[]) =>
  `${className} joins health group "${group}", which is not declared (declared: ${known.join(', ')}). ` +
  `Declare it in the "groups" option or fix the name.`;

export const GROUP_NAME_COLLISION = (name: string, className: string) =>
  `"${name}" is both a health group and the name of health indicator ${className}; both would answer ` +
  `at the same path. Rename one of them.`;

export const REQUEST_SCOPED_INDICATOR = (className: string) =>
  `${className} is request-scoped (itself, or through a request-scoped provider it injects); health indicators run in the background and must be singletons. Remove the scope, or inject singletons only.`;

export const ROUTE_COLLISION = (owner: string, viewA: string, pathA: string, viewB: string, pathB: string) =>
  `${owner}: route ${pathB} of view "${viewB}" collides with route ${pathA} of view "${viewA}". ` +
  `Serve one of them under a prefix, e.g. views: [{ view: '${viewB}', prefix: '/${viewB}' }].`;

export const LISTENER_FAILED = (name: string, host: string, port: number, error: string) =>
  `Health listener "${name}" cannot listen on ${host}:${port}: ${error}. ` +
  `Free the port or change healthApi.listeners[].port / bindAddress.`;

/** What the user passed, as JSON, except what JSON cannot say: NaN, ±Infinity, -0 and bigints are shown as written. */
function describe(value: unknown): string {
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  try {
    return JSON.stringify(value, asWritten)?.replace(AS_WRITTEN, '$1') ?? String(value);
  } catch {
    return String(value);
  }
}

// JSON would write NaN and Infinity as null and -0 as 0: they travel as marked strings and lose their quotes after.
const MARK = '\u0000';
const AS_WRITTEN = /"\\u0000(.*?)\\u0000"/g;

function asWritten(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${MARK}${value}n${MARK}`;
  if (typeof value !== 'number') return value;
  if (Object.is(value, -0)) return `${MARK}-0${MARK}`;
  return Number.isFinite(value) ? value : `${MARK}${value}${MARK}`;
}

export const CLOSING_WITHOUT_DRAIN = (drainMs: number) =>
  `Closing without the ${drainMs} ms drain: no signal closed the app. To drain (readiness OUT_OF_SERVICE while the app still serves), ` +
  `call app.enableShutdownHooks(), or await HealthService.drain() before app.close().`;
