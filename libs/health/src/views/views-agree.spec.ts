import { describe, expect, it } from '@jest/globals';
import { DRAINING_REASON, type HoldReason, readinessMode, STARTING_REASON } from '../groups/verdicts.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthLifecycle, HealthSnapshot } from '../model/health-snapshot.interface.js';
import type { SnapshotBuilder } from '../engine/snapshot-builder.js';
import { config, everyGroupBuilder, mqtt, renderAt, result, RUNNING } from '../testing/health-test-kit.js';
import { haproxyAgentReply } from './haproxy-agent.view.js';
import type { ViewResponse } from './view-response.js';
import { BUILT_IN_VIEWS } from './view-registry.js';

/**
 * The unit twin of the README's fault matrix: one set of snapshots rendered through every probe route
 * of every view, the agent-check and the metrics' readiness mode. Routes that answer the same question
 * must agree on pass or fail, and every readiness answer that can name a hold names the same one.
 */
type Question = 'liveness' | 'readiness' | 'startup' | 'system' | 'ready once reached';

interface Probe {
  readonly question: Question;
  readonly passes: (snapshot: HealthSnapshot) => boolean;
  /** The hold this answer names, for the answers that can name one (`sees`). */
  readonly hold?: (snapshot: HealthSnapshot) => unknown;
  readonly sees?: readonly HoldReason[];
  /** Answers 503 `shutting_down` while the app drains, as @nestjs/terminus does (not on liveness: a drain never fails it). */
  readonly shutsDownWhileDraining?: boolean;
}

const HOLDS: readonly HoldReason[] = [STARTING_REASON, DRAINING_REASON];
const named = (value: unknown): HoldReason | undefined => HOLDS.find((hold) => hold === value);
const ok = (response: ViewResponse | undefined) => response!.statusCode < 400;
const json = (response: ViewResponse | undefined) => JSON.parse(response!.body!) as Record<string, unknown>;

/** A route of a built-in view, by `<view> /<path>`. */
function route(
  question: Question,
  view: keyof typeof BUILT_IN_VIEWS,
  path: string,
  hold?: Pick<Probe, 'hold' | 'sees' | 'shutsDownWhileDraining'>,
): [string, Probe] {
  const render = (snapshot: HealthSnapshot) => renderAt(BUILT_IN_VIEWS[view], path.split('?')[0], snapshot, { query: path.split('?')[1] });
  return [`${view} /${path}`, { question, passes: (snapshot) => ok(render(snapshot)), ...hold }];
}

/** A HiveMQ-tree group body names its hold in `details.reason`. */
const groupReason = (view: 'hivemq' | 'actuator', path: string) => ({
  sees: HOLDS,
  hold: (snapshot: HealthSnapshot) =>
    (json(renderAt(BUILT_IN_VIEWS[view], path, snapshot)).details as { reason?: string } | undefined)?.reason,
});

/** Terminus names only a drain: `shutting_down`. */
const terminusHold = (path: string): Pick<Probe, 'hold' | 'sees' | 'shutsDownWhileDraining'> => ({
  sees: [DRAINING_REASON],
  shutsDownWhileDraining: true,
  hold: (snapshot: HealthSnapshot) =>
    json(renderAt(BUILT_IN_VIEWS.terminus, path, snapshot)).status === 'shutting_down' ? DRAINING_REASON : undefined,
});

const PROBES: Readonly<Record<string, Probe>> = Object.fromEntries([
  ...(['hivemq', 'actuator'] as const).flatMap((view) => [
    route('system', view, ''),
    route('liveness', view, 'liveness'),
    route('readiness', view, 'readiness', groupReason(view, 'readiness')),
    route('startup', view, 'startup'),
  ]),
  ...(
    [
      ['system', ''],
      ['liveness', '/liveness'],
      ['readiness', '/readiness'],
      ['startup', '/startup'],
    ] as const
  ).map(([question, group]) =>
    route(question, 'terminus', `health${group}`, question === 'liveness' ? undefined : terminusHold(`health${group}`)),
  ),
  route('liveness', 'fluxmq', 'health'),
  route('readiness', 'fluxmq', 'ready', {
    sees: HOLDS,
    hold: (snapshot) => json(renderAt(BUILT_IN_VIEWS.fluxmq, 'ready', snapshot)).details,
  }),
  route('liveness', 'kubernetes', 'healthz'),
  route('liveness', 'kubernetes', 'livez'),
  route('readiness', 'kubernetes', 'readyz'),
  route('readiness', 'kubernetes', 'readyz?verbose', {
    sees: HOLDS,
    hold: (snapshot) => {
      const report = renderAt(BUILT_IN_VIEWS.kubernetes, 'readyz', snapshot, { query: 'verbose' })!.body!;
      return report.includes('[-]startup failed') ? STARTING_REASON : report.includes('[-]shutdown failed') ? DRAINING_REASON : undefined;
    },
  }),
  route('startup', 'zeebe', 'startup'),
  route('ready once reached', 'zeebe', 'ready'),
  route('system', 'zeebe', 'health'),
  [
    'haproxy agent-check',
    {
      question: 'readiness',
      passes: (snapshot) => haproxyAgentReply(snapshot, config).startsWith('up '),
      sees: HOLDS,
      hold: (snapshot) => /^(?:down|drain) #(\w+)\n$/.exec(haproxyAgentReply(snapshot, config))?.[1],
    },
  ],
  ['metrics readiness_mode', { question: 'readiness', passes: (snapshot) => readinessMode(snapshot, config) !== 'not_ready' }],
]);

/** Routes that are no probe: a page, its event stream, the Prometheus text, FluxMQ's cluster information (always 200). */
// The fleet routes answer for every member, not for this node: no probe reads them (fleet.view.spec.ts).
const NOT_PROBES = ['ui /', 'ui /events', 'ui /fleet', 'metrics /metrics', 'fluxmq /cluster/status', 'hivemq /fleet', 'fleet /'];

const UP: Record<string, HealthComponent> = { cluster: { status: 'UP' }, mqtt: mqtt() };
const NOT_STARTED: HealthLifecycle = { started: false, draining: false };
const DRAINING: HealthLifecycle = { started: true, draining: true };

/** The snapshot after building each step in turn, as the engine publishes one per refresh. */
function after(builder: SnapshotBuilder, ...steps: [Record<string, HealthComponent>, HealthLifecycle][]): HealthSnapshot {
  let snapshot: HealthSnapshot | undefined;
  steps.forEach(([components, lifecycle], i) => {
    const results = Object.entries(components).map(([name, component]) => result(name, component));
    snapshot = builder.build(results, 1000 * (i + 1), 1000 * (i + 1), lifecycle).snapshot;
  });
  return snapshot!;
}

interface Row {
  readonly name: string;
  readonly snapshot: (builder: SnapshotBuilder) => HealthSnapshot;
  readonly passes: Readonly<Record<Question, boolean>>;
  /** Why readiness is held, as every answer that can name it must. */
  readonly hold?: HoldReason;
}

const ROWS: readonly Row[] = [
  {
    name: 'starting (start-up not complete)',
    snapshot: (b) => after(b, [UP, NOT_STARTED]),
    passes: { liveness: true, readiness: false, startup: false, system: false, 'ready once reached': false },
    hold: STARTING_REASON,
  },
  {
    name: 'member starting (started, a readiness member UNKNOWN "starting")',
    snapshot: (b) => after(b, [{ ...UP, cluster: { status: 'UNKNOWN', details: { reason: STARTING_REASON } } }, RUNNING]),
    passes: { liveness: true, readiness: false, startup: true, system: false, 'ready once reached': false },
    hold: STARTING_REASON,
  },
  {
    name: 'draining',
    snapshot: (b) => after(b, [UP, RUNNING], [UP, DRAINING]),
    passes: { liveness: true, readiness: false, startup: false, system: false, 'ready once reached': true },
    hold: DRAINING_REASON,
  },
  {
    name: 'degraded (a readiness member DEGRADED)',
    snapshot: (b) => after(b, [{ ...UP, cluster: { status: 'DEGRADED', details: { reason: '1/2 peers reachable' } } }, RUNNING]),
    passes: { liveness: true, readiness: true, startup: true, system: true, 'ready once reached': true },
  },
  {
    name: 'down (a readiness member DOWN)',
    snapshot: (b) => after(b, [UP, RUNNING], [{ ...UP, cluster: { status: 'DOWN', details: { reason: 'lost' } } }, RUNNING]),
    passes: { liveness: true, readiness: false, startup: true, system: false, 'ready once reached': true },
  },
  {
    name: 'stale (no refresh completed in time)',
    snapshot: (b) => b.stale(after(b, [UP, RUNNING]), 60_000),
    passes: { liveness: true, readiness: false, startup: true, system: false, 'ready once reached': true },
  },
];

describe('every view agrees', () => {
  it('covers every route of every built-in view, or names it as no probe', () => {
    const probed = new Set(Object.keys(PROBES).map((name) => name.split('?')[0]));
    const routes = Object.values(BUILT_IN_VIEWS).flatMap((view) => view.routes.map((r) => `${view.name} /${r.path}`));
    expect(routes.filter((name) => !probed.has(name) && !NOT_PROBES.includes(name))).toEqual([]);
  });

  describe.each(ROWS)('$name', (row) => {
    const snapshot = row.snapshot(everyGroupBuilder());

    it('passes or fails alike on every route that answers the same question', () => {
      const answers = Object.fromEntries(Object.entries(PROBES).map(([name, probe]) => [name, probe.passes(snapshot)]));
      const expected = Object.fromEntries(
        Object.entries(PROBES).map(([name, probe]) => [
          name,
          probe.shutsDownWhileDraining && row.hold === DRAINING_REASON ? false : row.passes[probe.question],
        ]),
      );
      expect(answers).toEqual(expected);
    });

    it(`names the hold ${row.hold ? `"${row.hold}"` : '(none)'} on every answer that can`, () => {
      const holds = Object.entries(PROBES).filter(([, probe]) => probe.hold);
      const answers = Object.fromEntries(holds.map(([name, probe]) => [name, named(probe.hold!(snapshot)) ?? null]));
      const expected = Object.fromEntries(
        holds.map(([name, probe]) => [name, row.hold && probe.sees!.includes(row.hold) ? row.hold : null]),
      );
      expect(answers).toEqual(expected);
    });
  });
});
