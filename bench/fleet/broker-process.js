// One real demo broker (apps/broker/dist/main.js) joined to the simulated fleet, pinned to a core of its
// own with taskset, and what it costs: CPU time of all its threads from /proc/<pid>/task/*/schedstat
// (nanoseconds; /proc/<pid>/stat counts 10 ms ticks, too coarse for a few hundred requests).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SETTINGS } from '../lib/settings.js';
import { freePort } from '../lib/system.js';

const MAIN = new URL('../../apps/broker/dist/main.js', import.meta.url).pathname;
const CORES = os.availableParallelism?.() ?? os.cpus().length;
const TASKSET = spawnSync('taskset', ['-V']).status === 0;
/** The broker's core and this process's core while a broker is measured (as the other benches pin theirs). */
export const CORE = { broker: SETTINGS.cores.server, load: SETTINGS.cores.load };
export const PINNED = TASKSET && CORES >= 2;

/**
 * Pins every thread of this process, and of the processes `others` (redis-server), to the load core
 * (`true`), or lets them run anywhere again (`false`): nothing of the simulation runs on the broker's core.
 */
export function pinSelf(on, others = []) {
  if (!PINNED) return false;
  const cores = on ? String(CORE.load) : `0-${CORES - 1}`;
  return [process.pid, ...others].every((pid) => spawnSync('taskset', ['-a', '-p', '-c', cores, String(pid)]).status === 0);
}

/** Nanoseconds on CPU of every thread of process `pid`. */
export function cpuNanos(pid) {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return total;
}

/** GET `path` on the health port: status, body text and parsed JSON. */
export async function get(port, path, timeoutMs = 2000) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/**
 * Starts the demo broker as node `nodeId` of the fleet on `redisUrl` (registry membership, `heartbeatMs`),
 * on its own core; resolves once its readiness answers 200.
 */
export async function startBroker({ redisUrl, nodeId, heartbeatMs }) {
  const [mqttPort, healthPort] = [await freePort(), await freePort()];
  const data = mkdtempSync(join(os.tmpdir(), 'fleet-bench-broker-'));
  const env = {
    PATH: process.env.PATH,
    REDIS_URL: redisUrl,
    NODE_ID: nodeId,
    HEARTBEAT_MS: String(heartbeatMs),
    CLUSTER_MEMBERSHIP: 'registry',
    MQTT_BIND: '127.0.0.1',
    MQTT_PORT: String(mqttPort),
    HEALTH_BIND: '127.0.0.1',
    HEALTH_PORT: String(healthPort),
    HEALTH_AGENT_PORT: '0',
    DATA_DIR: data,
    DRAIN_MS: '0',
    LOG_LEVEL: 'warn',
  };
  const [command, args] = PINNED ? ['taskset', ['-c', String(CORE.broker), process.execPath, MAIN]] : [process.execPath, [MAIN]];
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk) => (log = (log + chunk).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const broker = {
    pid: child.pid,
    nodeId,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    healthPort,
    get log() {
      return log;
    },
    get: (path, timeoutMs) => get(healthPort, path, timeoutMs),
    cpuNanos: () => cpuNanos(child.pid),
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(data, { recursive: true, force: true });
    },
  };
  for (const deadline = Date.now() + 20_000; ; await sleep(100)) {
    if (child.exitCode !== null) throw new Error(`the demo broker exited (${child.exitCode}):\n${log}`);
    const answer = await broker.get('/api/v1/health/readiness', 1000).catch(() => undefined);
    if (answer?.status === 200) return broker;
    if (Date.now() > deadline) {
      await broker.stop();
      throw new Error(`the demo broker was not ready within 20 s:\n${log}`);
    }
  }
}
