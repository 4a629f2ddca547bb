// node bench/fleet/run.js: cluster health at fleet scale. Runs N = 10, 50, 100 cluster members in this
// process, each the demo's compiled ClusterMembershipService (apps/broker/dist, `npm run build` first)
// on a minimal Aedes with a mqemitter-redis emitter and its own control connection, all on one
// redis-server started here on a free 127.0.0.1 port. Both designs run side by side, interleaved:
//   emitter  every node hears every Aedes heartbeat through the emitter (O(N) deliveries per node)
//   registry one Redis sorted set of last-write times, one EVAL per half heartbeat (the default)
// Per N and design: time from a member's death (connections dropped, no leave message) to the others
// reporting it unreachable (the flag that turns the cluster component DEGRADED), Redis commands and
// pub/sub deliveries per member per second, and the cluster component's build time and JSON size.
// Then the fleet's health per N (health-scenario.js): N - 1 members, each with the library's HealthService
// on the demo's fleet store, and one real demo broker process: how soon a member's status change shows
// in every other member's fleet view, Redis commands per member, the /fleet body, the broker's CPU per
// /fleet request against readiness, and every change delivered once to a $SYS/+/health subscriber.
//   FLEET_SIZES=10,50,100  FLEET_HEARTBEAT_MS=500  FLEET_WINDOW_MS=5000  FLEET_KILLS=3  FLEET_MODES=emitter,registry (empty: none)
//   FLEET_HEALTH_SIZES=10,50,100 (empty: none)  FLEET_CHANGES=10  FLEET_COST_PAIRS=9  FLEET_COST_REQUESTS=4000
import { existsSync } from 'node:fs';
import os from 'node:os';
import { Logger } from '@nestjs/common';
import { CORE, PINNED } from './broker-process.js';
import { startRedis } from './redis.js';

const COMPILED = new URL('../../apps/broker/dist/cluster/cluster-membership.service.js', import.meta.url);
if (!existsSync(COMPILED)) {
  console.error('bench/fleet: apps/broker/dist is missing: run `npm run build` first');
  process.exit(1);
}
const { runFleet } = await import('./scenario.js');
const { runHealthFleet } = await import('./health-scenario.js');
const { healthMisses, printHealthTable } = await import('./health-table.js');

const list = (name, fallback) =>
  (process.env[name] ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const SIZES = list('FLEET_SIZES', '10,50,100').map(Number);
const MODES = list('FLEET_MODES', 'emitter,registry');
const HEARTBEAT_MS = Number(process.env.FLEET_HEARTBEAT_MS ?? 500);
const WINDOW_MS = Number(process.env.FLEET_WINDOW_MS ?? 5000);
const KILLS = Number(process.env.FLEET_KILLS ?? 3);
const HEALTH_SIZES = list('FLEET_HEALTH_SIZES', SIZES.join(',')).map(Number);
const CHANGES = Number(process.env.FLEET_CHANGES ?? 10);
const COST = {
  pairs: Number(process.env.FLEET_COST_PAIRS ?? 9),
  requests: Number(process.env.FLEET_COST_REQUESTS ?? 4000),
  connections: 10,
};
/** Whatever happens, everything stops and the process exits by then. */
const DEADLINE_MS = 240_000;

const fixed = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const beats = (ms) => fixed(ms / HEARTBEAT_MS, 2);

function table(rows, mode) {
  const head = ['N', 'detect max ms (hb)', 'detect median ms (hb)', 'cmd/s/member', 'deliveries/s/member', 'build µs', 'body B'];
  const more = ['redis CPU ms/s', 'redis out B/s/member', 'node CPU µs/s/member', 'loop p99 ms', 'not UP'];
  const lines = rows.map((r) => [
    String(r.n),
    `${fixed(r.detectMaxMs)} (${beats(r.detectMaxMs)})${r.missed ? ` ${r.missed} missed` : ''}`,
    `${fixed(r.detectMedianMs)} (${beats(r.detectMedianMs)})`,
    fixed(r.commandsPerMemberSecond, 2),
    fixed(r.deliveriesPerMemberSecond, 1),
    fixed(r.buildMicros, 1),
    String(r.bodyBytes),
    fixed(r.redisCpuMsPerSecond, 1),
    fixed(r.redisOutBytesPerMemberSecond),
    fixed(r.cpuMicrosPerMemberSecond),
    fixed(r.loopDelayP99Ms, 1),
    `${r.notUpSamples}/${r.samples}`,
  ]);
  const all = [[...head, ...more], ...lines];
  const widths = all[0].map((_, i) => Math.max(...all.map((l) => l[i].length)));
  const fmt = (l) => '| ' + l.map((cell, i) => cell.padStart(widths[i])).join(' | ') + ' |';
  console.log(`\nCLUSTER_MEMBERSHIP=${mode}`);
  console.log(fmt(all[0]));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const l of lines) console.log(fmt(l));
  for (const r of rows) {
    const calls = Object.entries(r.byCommand)
      .map(([name, calls]) => `${name} ${fixed(calls / r.n / r.seconds, 2)}`)
      .join(', ');
    console.log(`  N=${r.n}: per member per second, Redis calls ${calls} (script-internal included)`);
  }
}

async function main() {
  Logger.overrideLogger(['error']);
  const startedAt = Date.now();
  console.log(
    `fleet simulation: N = ${SIZES.join(', ')}; designs ${MODES.join(', ')}; HEARTBEAT_MS=${HEARTBEAT_MS}; ` +
      `steady window ${WINDOW_MS} ms; ${KILLS} deaths per fleet; ${os.availableParallelism?.() ?? os.cpus().length} cores, one Node process`,
  );
  if (HEALTH_SIZES.length)
    console.log(
      `fleet health: N = ${HEALTH_SIZES.join(', ')}; ${CHANGES} status changes per fleet; /fleet vs readiness ${COST.pairs} alternating pairs ` +
        `× ${COST.requests} requests, ${COST.connections} connections; ` +
        (PINNED ? `demo broker on core ${CORE.broker}, this process on core ${CORE.load} while it is loaded (taskset)` : 'unpinned'),
    );
  const redis = await startRedis();
  const guard = setTimeout(() => {
    console.error(`fleet simulation: over ${DEADLINE_MS} ms, stopping`);
    redis.stop().finally(() => process.exit(2));
  }, DEADLINE_MS);
  guard.unref();
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => redis.stop().finally(() => process.exit(130)));
  const rows = [];
  const healthRows = [];
  try {
    for (const n of SIZES) {
      for (const mode of MODES) {
        rows.push(await runFleet({ redis, mode, n, heartbeatMs: HEARTBEAT_MS, windowMs: WINDOW_MS, kills: KILLS, log: console.log }));
      }
    }
    for (const n of HEALTH_SIZES) {
      const options = { redis, n, heartbeatMs: HEARTBEAT_MS, windowMs: WINDOW_MS, changes: CHANGES, cost: COST, log: console.log };
      healthRows.push(await runHealthFleet(options));
    }
  } finally {
    await redis.stop();
  }
  for (const mode of MODES)
    table(
      rows.filter((r) => r.mode === mode),
      mode,
    );
  console.log(
    `\ndetect: death -> the others' peers() flag it unreachable (cluster DEGRADED), max/median over observers and ${KILLS} deaths; ` +
      `target ≤ 3 heartbeats.\ncmd/s/member: Redis round trips (EVAL/EVALSHA, PUBLISH) from INFO commandstats; deliveries: pub/sub messages ` +
      `received; node CPU: this process's CPU per member. not UP: samples of a live member's cluster component not UP (false alarms), steady window and after the build timing.`,
  );
  printHealthTable(healthRows, { heartbeatMs: HEARTBEAT_MS });
  const bad = rows.filter((r) => r.missed || !r.degradedOk || r.notUpSamples || r.detectMaxMs > 3 * HEARTBEAT_MS);
  for (const r of bad) console.log(`MISS ${r.mode} N=${r.n}: ${r.missed} missed, degraded ${r.degradedOk}, ${r.notUpSamples} not UP`);
  const healthBad = healthMisses(healthRows);
  for (const r of healthBad)
    console.log(
      `MISS fleet health N=${r.n}: visible max ${r.visibleMaxMs.toFixed(0)} ms, ${r.missed} missed, ` +
        `MQTT ${r.mqtt.changes} changes / ${r.mqtt.received} received (${r.mqtt.missing} missing, ${r.mqtt.duplicated} twice), ` +
        `${r.failed} requests failed, /fleet ${r.fleetStatus}`,
    );
  console.log(`run time ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  process.exit(bad.length || healthBad.length ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
