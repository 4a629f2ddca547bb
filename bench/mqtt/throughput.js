// MQTT QoS 0 throughput of the demo broker (health module refreshing every second, its readiness
// probed at 50 req/s) against bare Aedes with the same storage, alternating rounds. Run by
// `npm run bench`, or alone after a build (npm run build):
//   node bench/mqtt/throughput.js [--seconds 3] [--rounds 5] [--publishers 4] [--payload 64] [--probes 50]
import { Agent, get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { usablePairs } from '../lib/measure.js';
import { median, pinSelf, PINNING, watchForeignLoad } from '../lib/system.js';
import { SETTINGS } from '../lib/settings.js';
import { startBroker } from './brokers.js';

/** At most this many messages between publish and delivery: the broker runs flat out without an unbounded backlog. */
const WINDOW = 2000;

/**
 * Messages per second delivered to one subscriber while `publishers` clients publish QoS 0 as fast as
 * the broker delivers them, and messages per broker CPU-second: on a shared machine the second shows
 * the broker's own cost, whatever else competes for the CPUs.
 */
async function measure(broker, { seconds, publishers: count, payload }, prober) {
  const options = { protocolVersion: 4, reconnectPeriod: 0 };
  const subscriber = await mqtt.connectAsync(broker.url, options);
  await subscriber.subscribeAsync('bench/#', { qos: 0 });
  let sent = 0;
  let received = 0;
  let running = true;
  const publishers = await Promise.all(Array.from({ length: count }, () => mqtt.connectAsync(broker.url, options)));
  let next = 0;
  const pump = () => {
    while (running && sent - received < WINDOW) {
      const client = publishers[next++ % count];
      client.publish(`bench/${next % count}`, payload, { qos: 0 });
      sent++;
    }
  };
  subscriber.on('message', () => {
    received++;
    if (sent - received < WINDOW / 2) pump();
  });
  pump();
  await sleep(1000); // warm-up
  const start = received;
  const startedAt = performance.now();
  const cpuAtStart = broker.cpuSeconds();
  const foreignLoad = watchForeignLoad(broker.pid);
  const probesAtStart = { ...prober.counts };
  await sleep(seconds * 1000);
  const delivered = received - start;
  const rate = (delivered * 1000) / (performance.now() - startedAt);
  const perCpuSecond = delivered / (broker.cpuSeconds() - cpuAtStart);
  const foreign = foreignLoad();
  const probes = { answered: prober.counts.answered - probesAtStart.answered, failed: prober.counts.failed - probesAtStart.failed };
  running = false;
  await Promise.all([...publishers, subscriber].map((c) => c.endAsync(true)));
  return { rate, perCpuSecond, probes, foreign };
}

/** GET readiness `perSecond` times a second on one keep-alive connection (as a kubelet or load balancer does). */
function startProber(url, perSecond) {
  const counts = { answered: 0, failed: 0 };
  if (!url || !perSecond) return { counts, stop() {} };
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const timer = setInterval(() => {
    get(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 200 ? counts.answered++ : counts.failed++));
    }).on('error', () => counts.failed++);
  }, 1000 / perSecond);
  return {
    counts,
    stop() {
      clearInterval(timer);
      agent.destroy();
    },
  };
}

/**
 * Both brokers in alternating rounds (bare demo, demo bare, ...), each started fresh per round. A round
 * during which other processes took more than SETTINGS.noise.maxForeign of a core is run again, at most
 * `settings.retries` times in all.
 */
export async function compareThroughput(settings = SETTINGS.mqtt, log = (line) => console.error(line)) {
  const payload = Buffer.alloc(settings.payload, 'x');
  const rounds = { bare: [], demo: [] };
  let retriesLeft = settings.retries ?? 0;
  for (let round = 1; round <= settings.rounds; round++) {
    const pair = {};
    for (const kind of round % 2 ? ['bare', 'demo'] : ['demo', 'bare']) {
      const broker = await startBroker(kind);
      const prober = startProber(broker.readinessUrl, settings.probesPerSecond);
      try {
        pair[kind] = await measure(broker, { ...settings, payload }, prober);
      } finally {
        prober.stop();
        await broker.stop();
      }
      const r = pair[kind];
      const probes = kind === 'demo' ? `, ${r.probes.answered} probes answered, ${r.probes.failed} failed` : '';
      log(
        `  round ${round} ${kind.padEnd(4)}: ${Math.round(r.rate)} msg/s, ${Math.round(r.perCpuSecond)} msg per broker CPU-second${probes}` +
          (Number.isFinite(r.foreign) ? `, other processes ${Math.max(0, Math.round(r.foreign * 100))}% of a core` : ''),
      );
    }
    if ((pair.bare.foreign > SETTINGS.noise.maxForeign || pair.demo.foreign > SETTINGS.noise.maxForeign) && retriesLeft > 0) {
      retriesLeft--;
      log(`  round ${round} disturbed by other processes: run again`);
      round--;
      continue;
    }
    rounds.bare.push(pair.bare);
    rounds.demo.push(pair.demo);
  }
  // Rounds that no other process disturbed, when there are at least two; else every round.
  const used = usablePairs(rounds.bare.map((bare, i) => [bare, rounds.demo[i]]));
  const pairs = (field) => median(used.map((i) => rounds.demo[i][field] / rounds.bare[i][field]));
  const medians = (kind, field) => median(used.map((i) => rounds[kind][i][field]));
  return {
    settings,
    rounds,
    used: used.length,
    rateRatio: pairs('rate'),
    cpuRatio: pairs('perCpuSecond'),
    ratioOfMedians: medians('demo', 'rate') / medians('bare', 'rate'),
    medians: { bare: medians('bare', 'rate'), demo: medians('demo', 'rate') },
    probes: rounds.demo.reduce((sum, r) => ({ answered: sum.answered + r.probes.answered, failed: sum.failed + r.probes.failed }), {
      answered: 0,
      failed: 0,
    }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: String(SETTINGS.mqtt.seconds) },
      rounds: { type: 'string', default: String(SETTINGS.mqtt.rounds) },
      publishers: { type: 'string', default: String(SETTINGS.mqtt.publishers) },
      payload: { type: 'string', default: String(SETTINGS.mqtt.payload) },
      probes: { type: 'string', default: String(SETTINGS.mqtt.probesPerSecond) },
    },
  });
  pinSelf();
  console.error(PINNING.why);
  const settings = {
    rounds: Number(values.rounds),
    seconds: Number(values.seconds),
    publishers: Number(values.publishers),
    payload: Number(values.payload),
    probesPerSecond: Number(values.probes),
    retries: SETTINGS.mqtt.retries,
  };
  const r = await compareThroughput(settings);
  console.log(
    `\nMQTT QoS 0, ${settings.publishers} publishers -> 1 subscriber, ${settings.payload} B, demo probed at ${settings.probesPerSecond} req/s: ` +
      `demo / bare ${r.rateRatio.toFixed(3)}× msg/s (median of per-round ratios; ${r.ratioOfMedians.toFixed(3)}× of the medians), ` +
      `${r.cpuRatio.toFixed(3)}× msg per CPU-second (target msg/s ≥ 0.97×)`,
  );
}
