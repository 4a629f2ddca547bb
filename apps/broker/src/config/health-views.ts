import { isIPv6 } from 'node:net';

/** The views the demo can serve; the library validates them again when the module starts. */
export const HEALTH_VIEW_NAMES = ['hivemq', 'fluxmq', 'kubernetes', 'zeebe', 'actuator', 'terminus', 'ui', 'metrics', 'fleet'] as const;
export type HealthViewName = (typeof HEALTH_VIEW_NAMES)[number];

/**
 * One `HEALTH_VIEWS` entry: `name`, `name@/prefix` (same listener, under a prefix), `name@:port` (a
 * listener of its own on HEALTH_BIND) or `name@addr:port` (a listener of its own on that address).
 */
export interface HealthViewEntry {
  readonly view: HealthViewName;
  readonly prefix?: string;
  readonly port?: number;
  /** The address the view's own listener binds to (bare, `::1` for `[::1]`); undefined for HEALTH_BIND. */
  readonly address?: string;
}

/** An address is a name or IPv4 address, or an IPv6 address in brackets (a bare one would run into the port's colon). */
const ENTRY = /^([a-z]+)(?:@(?:(\/[^\s?#@]*)|(\[[^\]\s]*\]|[^\s:/[\]@]+)?:(\d{1,5})))?$/;

/** Parses `HEALTH_VIEWS`; returns the first problem as a sentence, or the entries. */
export function parseHealthViews(raw: string): HealthViewEntry[] | string {
  const entries: HealthViewEntry[] = [];
  for (const text of raw.split(',').map((entry) => entry.trim())) {
    const match = ENTRY.exec(text);
    if (!match) return `has an entry ${JSON.stringify(text)} that is not name, name@/prefix, name@:port or name@address:port`;
    const [, view, prefix, host, port] = match;
    if (!(HEALTH_VIEW_NAMES as readonly string[]).includes(view))
      return `names an unknown view "${view}" (views: ${HEALTH_VIEW_NAMES.join(', ')})`;
    if (port !== undefined && Number(port) > 65535) return `gives "${view}" a port out of range (${port})`;
    const inside = host === undefined ? undefined : /^\[(.*)\]$/.exec(host)?.[1];
    if (inside !== undefined && !isIPv6(inside))
      return `gives "${view}" the address ${host}: brackets go only around an IPv6 address, such as [::1]`;
    const entry: HealthViewEntry = {
      view: view as HealthViewName,
      prefix,
      port: port === undefined ? undefined : Number(port),
      address: inside ?? host,
    };
    if (entries.some((e) => e.view === entry.view && e.prefix === entry.prefix && e.port === entry.port && e.address === entry.address))
      continue;
    entries.push(entry);
  }
  return entries;
}

/** One health listener as `HEALTH_VIEWS` lays them out: its port, its address and the views it serves. */
export interface HealthListenerPlan {
  readonly port: number;
  readonly address: string;
  readonly views: readonly HealthViewEntry[];
}

/**
 * The listeners: HEALTH_BIND:HEALTH_PORT for the views without a port (listed first), one more per
 * port of `name@:port` / `name@addr:port`. A port given two addresses is a problem, returned as a sentence.
 */
export function planHealthListeners(
  entries: readonly HealthViewEntry[],
  healthPort: number,
  healthBind: string,
): HealthListenerPlan[] | string {
  const byPort = new Map<number, { address: string; views: HealthViewEntry[] }>([[healthPort, { address: healthBind, views: [] }]]);
  for (const entry of entries) {
    const port = entry.port ?? healthPort;
    const address = entry.port === undefined ? healthBind : (entry.address ?? healthBind);
    const planned = byPort.get(port);
    if (planned && planned.address !== address) {
      const other = port === healthPort ? `HEALTH_BIND (${healthBind}), as port ${port} is HEALTH_PORT` : planned.address;
      return `gives port ${port} two addresses: ${address} for "${entry.view}" and ${other}; one port listens on one address`;
    }
    // `zeebe@127.0.0.1:9600` and `zeebe@:9600` with HEALTH_BIND 127.0.0.1 are one view on one listener.
    if (planned?.views.some((view) => view.view === entry.view && view.prefix === entry.prefix)) continue;
    if (planned) planned.views.push(entry);
    else byPort.set(port, { address, views: [entry] });
  }
  return [...byPort].filter(([, { views }]) => views.length > 0).map(([port, { address, views }]) => ({ port, address, views }));
}
