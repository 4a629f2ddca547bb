import type { Aedes } from 'aedes';
import type { Redis } from 'ioredis';
import type { SysHandler } from './aedes-sys.js';
import { ClusterMembershipService, type ClusterMembershipMode } from './cluster-membership.service.js';

/** The fakes the heartbeat specs share (heartbeats-registry.spec.ts, heartbeats-emitter.spec.ts); only specs import it. */

export const HB = 1000;

/** Aedes as the service sees it: $SYS subscriptions, publishes (not looped back), `brokers`, its heartbeat timer. */
export function fakeBroker(id: string) {
  const handlers = new Map<string, SysHandler[]>();
  const published: string[] = [];
  const broker = {
    id,
    brokers: {} as Record<string, number>,
    _heartbeatInterval: setInterval(() => published.push('aedes heartbeat'), HB),
    subscribe: (topic: string, handler: SysHandler, done: () => void) => {
      handlers.set(topic, [...(handlers.get(topic) ?? []), handler]);
      done();
    },
    publish: (packet: { topic: string }, done: () => void) => {
      published.push(packet.topic);
      done();
    },
  };
  const deliver = (kind: string, from: string) =>
    handlers.get(`$SYS/+/${kind}`)?.forEach((h) => h({ topic: `$SYS/${from}/${kind}`, payload: Buffer.from(from) }, () => undefined));
  return { broker, aedes: broker as unknown as Aedes, published, deliver };
}

/** The registry's scripts as redis-scripts.ts runs them, on a clock of Redis's own. */
export class FakeRegistry {
  readonly table = new Map<string, number>();
  /** Peers that write with every heartbeat of the node under test. */
  readonly live = new Set<string>();
  /** The nodes that said they are leaving. */
  readonly leaving = new Set<string>();
  version = 'v0';
  leader = '';
  /** Another live process holding the node id under test: its token, or '' for none. */
  holder = '';
  hang = false;
  readonly calls: string[][] = [];
  private readonly offset = 987_654_321;

  now = (): number => Date.now() + this.offset;

  write(id: string, at = this.now()): void {
    if ((this.table.get(id) ?? -1) < 0) this.version = `v${at}${id}`;
    this.table.set(id, at);
  }

  readonly control = {
    evalsha: async (_sha: string, keys: number, ...rest: string[]) => {
      const args = rest.slice(keys);
      this.calls.push(args);
      if (this.hang) return new Promise(() => undefined);
      const [id] = args;
      if (args.length === 3) {
        this.table.set(id, -this.now());
        this.leaving.delete(id);
        this.version = `left ${id}`;
        if (this.leader === id) this.leader = '';
        return 1;
      }
      for (const peer of this.live) this.write(peer);
      if (!this.holder) this.write(id);
      if (!this.holder && (args[6] === '1') !== this.leaving.has(id)) {
        if (args[6] === '1') this.leaving.add(id);
        else this.leaving.delete(id);
        this.version = `leaving ${[...this.leaving].join(',')} at ${this.now()}`;
      }
      if (args[6] === '1' && this.leader === id) this.leader = '';
      if (!this.leader && !this.holder && args[6] !== '1') this.leader = id;
      const staleBefore = this.now() - Number(args[3]);
      const flat = (entries: [string, number][]) => entries.flatMap(([k, v]) => [k, String(v)]);
      const stale = flat([...this.table].filter(([, at]) => at >= 0 && at <= staleBefore));
      return [
        this.now(),
        this.leader === id ? 1 : 0,
        this.version,
        stale,
        args[4] === this.version ? null : flat([...this.table]),
        this.holder,
        args[4] === this.version ? null : [...this.leaving],
      ];
    },
  } as unknown as Redis;
}

export function start(mode: ClusterMembershipMode, control: Redis) {
  const fake = fakeBroker('a');
  const service = new ClusterMembershipService({ redisUrl: 'redis://x', nodeId: 'a', heartbeatMs: HB, clusterMembership: mode });
  return { ...fake, service, joining: service.join(fake.aedes, control) };
}

/** Each peer as the service sees it: 'leaving', 'reachable' or 'unreachable'. */
export const peerStates = (service: ClusterMembershipService) =>
  Object.fromEntries(
    service
      .peers()
      .map((p) => [p.id, p.leaving ? 'leaving' : p.reachable ? 'reachable' : 'unreachable'] as const)
      .sort(([x], [y]) => x.localeCompare(y)),
  );

export const reachable = (service: ClusterMembershipService) =>
  Object.fromEntries(
    service
      .peers()
      .map((p) => [p.id, p.reachable] as const)
      .sort(([x], [y]) => x.localeCompare(y)),
  );
