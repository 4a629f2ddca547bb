// MQTT QoS 0 throughput of the demo broker (health module refreshing every second) against bare
// Aedes, in the same run, alternating rounds. Needs a build (npm run build).
//   node bench/mqtt/throughput.js [--seconds 5] [--rounds 3] [--publishers 4] [--payload 64]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    publishers: { type: 'string', default: '4' },
    payload: { type: 'string', default: '64' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const PUBLISHERS = Number(values.publishers);
const PAYLOAD = Buffer.alloc(Number(values.payload), 'x');

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer().once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function startBroker(kind) {
  const [mqttPort, healthPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${kind}-`));
  const script = kind === 'demo' ? resolve('apps/broker/dist/main.js') : resolve('bench/mqtt/bare-aedes.js');
  const env = {
    PATH: process.env.PATH,
    MQTT_BIND: '127.0.0.1',
    MQTT_PORT: String(mqttPort),
    HEALTH_PORT: String(healthPort),
    HEALTH_AGENT_PORT: '0',
    DATA_DIR: dataDir,
    DRAIN_MS: '0',
    LOG_LEVEL: 'warn',
    // The sample extensions hook every publish; bare Aedes has none, so the demo runs without them here.
    EXTENSIONS_DIR: '',
  };
  // stderr is kept, not shown: under this overload Aedes itself (bare too) can overflow mqemitter's
  // stack when the flooded subscriber disconnects at the end of a round; the round is measured by then.
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 20_000;
  while (!/ready|Health API/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      await sleep(300); // let the last of its output arrive
      throw new Error(`${kind} broker did not start (exit code ${child.exitCode}):\n${output}`);
    }
    await sleep(50);
  }
  if (kind === 'demo') {
    // Measure a broker whose health module is running: readiness answered 200.
    const readyBy = Date.now() + 20_000;
    const ready = () =>
      fetch(`http://127.0.0.1:${healthPort}/api/v1/health/readiness`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status === 200,
        () => false,
      );
    while (!(await ready())) {
      if (Date.now() > readyBy) {
        child.kill('SIGKILL');
        throw new Error(`demo broker did not become ready within 20 s:\n${output}`);
      }
      await sleep(100);
    }
  }
  return {
    url: `mqtt://127.0.0.1:${mqttPort}`,
    /** CPU seconds the broker process has used (Linux /proc; user + system, in clock ticks of 1/100 s). */
    cpuSeconds() {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((done) => (child.exitCode !== null ? done() : child.once('exit', done)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Messages per second delivered to one subscriber while PUBLISHERS clients publish QoS 0 as fast as
 * the broker delivers them, and messages per second of broker CPU: on a shared machine the second
 * shows the broker's own cost, whatever else competes for the CPUs.
 */
async function measure(broker) {
  const url = broker.url;
  const options = { protocolVersion: 4, reconnectPeriod: 0 };
  const subscriber = await mqtt.connectAsync(url, options);
  await subscriber.subscribeAsync('bench/#', { qos: 0 });
  // Closed loop: at most WINDOW messages between publish and delivery, so the broker runs flat out
  // without piling up an unbounded backlog (whose garbage collection would dominate the figures).
  const WINDOW = 2000;
  let sent = 0;
  let received = 0;
  let running = true;
  const publishers = await Promise.all(Array.from({ length: PUBLISHERS }, () => mqtt.connectAsync(url, options)));
  let next = 0;
  const pump = () => {
    while (running && sent - received < WINDOW) {
      const client = publishers[next++ % PUBLISHERS];
      client.publish(`bench/${next % PUBLISHERS}`, PAYLOAD, { qos: 0 });
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
  await sleep(SECONDS * 1000);
  const delivered = received - start;
  const rate = (delivered * 1000) / (performance.now() - startedAt);
  const perCpuSecond = delivered / (broker.cpuSeconds() - cpuAtStart);
  running = false;
  await Promise.all([...publishers, subscriber].map((c) => c.endAsync(true)));
  return { rate, perCpuSecond };
}

const results = { bare: [], demo: [] };
const efficiency = { bare: [], demo: [] };
for (let round = 1; round <= ROUNDS; round++) {
  for (const kind of round % 2 ? ['bare', 'demo'] : ['demo', 'bare']) {
    const broker = await startBroker(kind);
    try {
      const { rate, perCpuSecond } = await measure(broker);
      results[kind].push(rate);
      efficiency[kind].push(perCpuSecond);
    } finally {
      await broker.stop();
    }
    console.error(
      `round ${round} ${kind}: ${Math.round(results[kind].at(-1))} msg/s, ${Math.round(efficiency[kind].at(-1))} msg per broker CPU-second`,
    );
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const row = (name, xs) =>
  `| ${name.padEnd(34)} | ${xs.map((x) => String(Math.round(x)).padStart(8)).join(' | ')} | ${String(Math.round(median(xs))).padStart(8)} |`;
const ratio = median(results.demo) / median(results.bare);
// Each round runs both brokers back to back: the per-round ratio cancels slow drifts in machine load.
const pairedRatio = median(results.demo.map((d, i) => d / results.bare[i]));
console.log(
  `\nMQTT QoS 0 throughput, ${PUBLISHERS} publishers -> 1 subscriber, ${PAYLOAD.length} B payload, 2000 messages in flight, ${SECONDS} s per round (messages delivered)\n`,
);
console.log(
  `| ${'broker'.padEnd(34)} | ${results.bare.map((_, i) => `round ${i + 1}`.padStart(8)).join(' | ')} | ${'median'.padStart(8)} |`,
);
console.log(`|${'-'.repeat(36)}|${results.bare.map(() => '-'.repeat(10)).join('|')}|${'-'.repeat(10)}|`);
console.log(row('bare Aedes', results.bare));
console.log(row('demo (health refreshing every 1 s)', results.demo));
console.log(row('bare Aedes, per broker CPU-second', efficiency.bare));
console.log(row('demo, per broker CPU-second', efficiency.demo));
const cpuRatio = median(efficiency.demo) / median(efficiency.bare);
const pairedCpuRatio = median(efficiency.demo.map((d, i) => d / efficiency.bare[i]));
console.log(
  `\nratio demo / bare, msg/s:            ${ratio.toFixed(3)} of the medians, ${pairedRatio.toFixed(3)} median of per-round ratios (target >= 0.97)`,
);
console.log(
  `ratio demo / bare, msg per CPU-second: ${cpuRatio.toFixed(3)} of the medians, ${pairedCpuRatio.toFixed(3)} median of per-round ratios`,
);
