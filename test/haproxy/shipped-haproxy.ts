import { readFileSync } from 'node:fs';
import { Haproxy, type HaproxyServer } from '../support/haproxy.js';
import { freePorts } from '../support/processes.js';

/** The shipped file; SHIPPED_HAPROXY_CFG runs the specs against another one (an older revision, say). */
export const SHIPPED_CFG = process.env.SHIPPED_HAPROXY_CFG || 'deploy/haproxy/haproxy.cfg';

/** Lines the local rewrite may change: listening addresses, the admin socket path and the server addresses. */
const LOCAL_ONLY = /^\s*(bind|stats socket|server) /;

/**
 * Rewrites the shipped haproxy.cfg to run on 127.0.0.1 against local brokers, changing only what
 * must change; every other line (balance, stickiness, tcp-request, checks, timeouts) stays as shipped.
 * Throws if the file no longer has the shape this relies on, rather than silently testing something else.
 */
export function localConfig(
  shipped: string,
  local: { mqttPort: number; statsPort: number; healthPort: number; socket: string; servers: HaproxyServer[] },
): string {
  const binds = { 1883: local.mqttPort, 8404: local.statsPort, 8889: local.healthPort } as Record<string, number>;
  const serversSeen = new Set<string>();
  let section = '';
  const rewritten = shipped
    .split('\n')
    .map((line) => {
      section = /^(?:frontend|backend|global|defaults|listen)\b/.exec(line) ? line.trim() : section;
      const bind = /^(\s*bind )(?:\*|0\.0\.0\.0)?:(\d+)(.*)$/.exec(line);
      if (bind) {
        if (!binds[bind[2]]) throw new Error(`haproxy.cfg binds an unexpected port: ${line.trim()}`);
        return `${bind[1]}127.0.0.1:${binds[bind[2]]}${bind[3]}`;
      }
      const socket = /^(\s*stats socket )\S+(.*)$/.exec(line);
      if (socket) return `${socket[1]}${local.socket}${socket[2]}`;
      const server = /^(\s*server (\S+) )\S+(.*)$/.exec(line);
      if (server) {
        const broker = local.servers.find((s) => s.name === server[2]);
        if (!broker) throw new Error(`no local broker for haproxy.cfg's ${line.trim()}`);
        // The Health API backend reaches each broker's health listener; the MQTT backend its MQTT port.
        if (section === 'backend health_backend') return `${server[1]}127.0.0.1:${broker.healthPort}${server[3]} port ${broker.healthPort}`;
        serversSeen.add(broker.name);
        // Per-server keywords override default-server's `port` and `agent-port`, which stay as shipped.
        return `${server[1]}127.0.0.1:${broker.mqttPort}${server[3]} port ${broker.healthPort} agent-port ${broker.agentPort}`;
      }
      return line;
    })
    .join('\n');
  if (serversSeen.size !== local.servers.length) throw new Error(`haproxy.cfg has servers ${[...serversSeen]}, not all local brokers`);
  const before = shipped.split('\n');
  rewritten.split('\n').forEach((line, i) => {
    if (line !== before[i] && !LOCAL_ONLY.test(before[i])) throw new Error(`rewrote a line that should stay as shipped: ${before[i]}`);
    if (/^\s*bind /.test(line) && !/ 127\.0\.0\.1:\d+/.test(line)) throw new Error(`non-loopback bind left: ${line}`);
  });
  return rewritten;
}

/** A real haproxy running the shipped configuration, rewritten by localConfig, in front of local brokers. */
export class ShippedHaproxy extends Haproxy {
  statsPort = 0;
  /** Where the shipped health_frontend listens: every broker's Health API behind one address. */
  healthPort = 0;
  readonly shipped = readFileSync(SHIPPED_CFG, 'utf8');

  constructor(servers: HaproxyServer[]) {
    super(servers);
  }

  protected override async config(): Promise<string> {
    [this.statsPort, this.healthPort] = await freePorts(2, [this.mqttPort]);
    return localConfig(this.shipped, {
      mqttPort: this.mqttPort,
      statsPort: this.statsPort,
      healthPort: this.healthPort,
      socket: this.socket,
      servers: this.servers,
    });
  }

  /** The stick table's keys and the server id each maps to, from `show table mqtt_backend`. */
  async stickTable(): Promise<Map<string, number>> {
    const table = new Map<string, number>();
    for (const [, key, serverId] of (await this.command('show table mqtt_backend')).matchAll(/ key=(\S*) .*server_id=(\d+)/g))
      table.set(key, Number(serverId));
    return table;
  }

  /** The numeric id haproxy gave each server (server_id in the stick table). */
  async serverIds(): Promise<Map<number, string>> {
    const rows = (await this.stats()).filter((row) => row.pxname === 'mqtt_backend');
    return new Map(rows.map((row) => [Number(row.sid), row.svname]));
  }

  /** Connections the MQTT frontend's tcp-request content rules rejected. */
  async deniedRequests(): Promise<number> {
    return Number((await this.stats()).find((row) => row.pxname === 'mqtt_frontend' && row.svname === 'FRONTEND')!.dreq);
  }

  private async stats(): Promise<Array<Record<string, string>>> {
    const [header, ...rows] = (await this.command('show stat')).trim().split('\n');
    const columns = header.replace(/^# /, '').split(',');
    return rows.map((row) => Object.fromEntries(row.split(',').map((cell, i) => [columns[i], cell])));
  }
}
