/** The views the demo can serve; the library validates them again when the module starts. */
export const HEALTH_VIEW_NAMES = ['hivemq', 'fluxmq', 'kubernetes', 'zeebe', 'actuator', 'terminus', 'ui', 'metrics'] as const;
export type HealthViewName = (typeof HEALTH_VIEW_NAMES)[number];

/** One `HEALTH_VIEWS` entry: `name`, `name@/prefix` (same listener, under a prefix) or `name@:port` (a listener of its own). */
export interface HealthViewEntry {
  readonly view: HealthViewName;
  readonly prefix?: string;
  readonly port?: number;
}

const ENTRY = /^([a-z]+)(?:@(?:(\/[^\s?#@]*)|:(\d{1,5})))?$/;

/** Parses `HEALTH_VIEWS`; returns the first problem as a sentence, or the entries. */
export function parseHealthViews(raw: string): HealthViewEntry[] | string {
  const entries: HealthViewEntry[] = [];
  for (const text of raw.split(',').map((entry) => entry.trim())) {
    const match = ENTRY.exec(text);
    if (!match) return `has an entry ${JSON.stringify(text)} that is not name, name@/prefix or name@:port`;
    const [, view, prefix, port] = match;
    if (!(HEALTH_VIEW_NAMES as readonly string[]).includes(view))
      return `names an unknown view "${view}" (views: ${HEALTH_VIEW_NAMES.join(', ')})`;
    if (port !== undefined && Number(port) > 65535) return `gives "${view}" a port out of range (${port})`;
    const entry: HealthViewEntry = { view: view as HealthViewName, prefix, port: port === undefined ? undefined : Number(port) };
    if (entries.some((e) => e.view === entry.view && e.prefix === entry.prefix && e.port === entry.port)) continue;
    entries.push(entry);
  }
  return entries;
}
