// The two brokers of the MQTT comparison, each in a child process pinned to the server's core: the demo
// (apps/broker/dist/main.js, health module refreshing every second) and bare Aedes with the same storage.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../lib/settings.js';
import { CLK_TCK, cpuTicks, freePort, serverCommand } from '../lib/system.js';

export async function startBroker(kind) {
  const [mqttPort, healthPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${kind}-`));
  const script = kind === 'demo' ? join(ROOT, 'apps/broker/dist/main.js') : join(ROOT, 'bench/mqtt/bare-aedes.js');
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
  const [command, args] = serverCommand([script]);
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  const readinessUrl = `http://127.0.0.1:${healthPort}/api/v1/health/readiness`;
  if (kind === 'demo') {
    // Measure a broker whose health module is running: readiness answered 200.
    const readyBy = Date.now() + 20_000;
    const ready = () =>
      fetch(readinessUrl, { signal: AbortSignal.timeout(2000) }).then(
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
    kind,
    pid: child.pid,
    url: `mqtt://127.0.0.1:${mqttPort}`,
    /** The readiness probe of the demo's Health API; undefined for bare Aedes. */
    readinessUrl: kind === 'demo' ? readinessUrl : undefined,
    /** CPU seconds the broker process has used (utime + stime). */
    cpuSeconds: () => cpuTicks(child.pid) / CLK_TCK,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', done)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
