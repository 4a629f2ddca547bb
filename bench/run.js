// npm run bench: the module's dedicated health listener against bare node:http answering the same bytes
// (readiness at 100 and 1000 connections, every built-in view's probe routes), a /metrics scrape of a
// 50-component tree in on-request mode, memory after 1M probes, a fresh client's readiness during a
// pipelined /metrics flood, the demo broker's MQTT throughput against bare Aedes, and the earlier rows
// (a) and (b) on the host app. Prints one table of every row with its target and PASS or MISS, and
// writes .bench/results.json.
//   npm run bench -- --cpu-prof   (or BENCH_PROFILE=1 npm run bench): only a CPU profile of the listener.
//
// Servers run in child processes pinned to one core (taskset -c), autocannon and the MQTT clients in
// this process pinned to the other: each side gets a core instead of sharing one, which would cap both
// at the same number and hide the ratio. The machine is noisy, so ratios are compared, the two sides of
// a pair are measured in alternating short rounds (A B, B A, ...), ratios are medians of the per-pair
// ratios, and each server's CPU time per request is read from /proc/<pid>/stat alongside req/s.
import { compileBenchApps, Servers } from './lib/bench-apps.js';
import { floodRow, leakRow, scrapeRow } from './lib/abuse-rows.js';
import { legacyRows } from './lib/legacy-rows.js';
import { readinessRows, viewRows } from './lib/listener-rows.js';
import { profileListener } from './lib/profile.js';
import { fixed, printHeader, printSummary, writeResults } from './lib/report.js';
import { SETTINGS } from './lib/settings.js';
import { pinSelf } from './lib/system.js';
import { compareThroughput } from './mqtt/throughput.js';

const PROFILE = process.argv.includes('--cpu-prof') || process.env.BENCH_PROFILE === '1';

async function mqttRow(servers, details) {
  // Nothing else may run on the server's core while the brokers are measured.
  await servers.closeAll();
  const { rounds, seconds, publishers, payload, probesPerSecond } = SETTINGS.mqtt;
  console.log(
    `MQTT QoS 0 throughput, ${publishers} publishers -> 1 subscriber, ${payload} B, ${SETTINGS.mqtt.rounds} alternating rounds × ${seconds} s, ` +
      `the demo's readiness probed at ${probesPerSecond} req/s`,
  );
  const r = await compareThroughput(SETTINGS.mqtt, (line) => console.log(line));
  console.log(
    `  demo / bare: ${fixed(r.rateRatio, 3)}× msg/s (per-round median; ${fixed(r.ratioOfMedians, 3)}× of the medians), ` +
      `${fixed(r.cpuRatio, 3)}× msg per broker CPU-second, over ${r.used} of ${rounds} rounds (the undisturbed ones, or all when fewer than 2); ` +
      `${r.probes.answered} probes answered, ${r.probes.failed} failed\n`,
  );
  details.mqtt = r;
  return [
    {
      key: 'mqtt',
      measure: `demo broker QoS 0 throughput, probed at ${probesPerSecond} req/s, vs bare Aedes (same storage)`,
      target: `≥ 0.97× (median of ${rounds} alternating rounds)`,
      result: `${fixed(r.rateRatio, 3)}× msg/s, ${fixed(r.cpuRatio, 3)}× msg per CPU-second, ${r.probes.failed} probes failed`,
      pass: r.rateRatio >= 0.97 && r.probes.failed === 0 && r.probes.answered > 0,
    },
  ];
}

/** In the order they run; the summary lists the rows in ROW_ORDER. */
const SECTIONS = [
  readinessRows,
  leakRow,
  async (servers, details) => {
    await servers.release('listener');
    return viewRows(servers, details);
  },
  scrapeRow,
  floodRow,
  legacyRows,
  mqttRow,
];
const ROW_ORDER = ['listener-100', 'listener-1000', 'views', 'scrape', 'leak', 'flood', 'mqtt', 'host-app', 'snapshot'];

async function main() {
  const startedAt = Date.now();
  pinSelf();
  compileBenchApps();
  printHeader();
  const servers = new Servers();
  const rows = [];
  const details = {};
  const errors = [];
  try {
    if (PROFILE) details.profile = await profileListener(servers);
    for (const section of PROFILE ? [] : SECTIONS) {
      const sectionStart = Date.now();
      try {
        rows.push(...(await section(servers, details)));
        console.log(`  [${Math.round((Date.now() - sectionStart) / 1000)} s]\n`);
      } catch (error) {
        const message = `${section.name || 'views'}: ${error?.stack ?? error}`;
        console.error(`ERROR ${message}\n`);
        errors.push(message);
        rows.push({ key: section.name, measure: section.name || 'views', target: '—', result: `failed: ${error?.message}`, pass: false });
      }
    }
  } finally {
    await servers.closeAll();
  }
  if (PROFILE) return console.log(`\ntotal bench time ${Math.round((Date.now() - startedAt) / 1000)} s`);
  rows.sort((a, b) => rank(a.key) - rank(b.key));
  printSummary(rows);
  console.log(`total bench time ${Math.round((Date.now() - startedAt) / 1000)} s`);
  writeResults(rows, details, errors, startedAt);
  if (errors.length) process.exitCode = 1;
}

function rank(key) {
  const index = ROW_ORDER.indexOf(key);
  return index === -1 ? ROW_ORDER.length : index;
}

main().catch((error) => {
  console.error(`bench failed: ${error?.stack ?? error}`);
  process.exitCode = 1;
});
