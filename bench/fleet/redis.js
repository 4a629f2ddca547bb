// A throwaway redis-server for the fleet simulation, and what its INFO says about the fleet's work.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from '../lib/system.js';

/**
 * Commands a script runs inside its EVAL: counted by Redis, but not round trips of a member. Every
 * `redis.call('<command>'` of the demo's compiled cluster scripts (apps/broker/dist/cluster), read at
 * start, so a command a script gains is not counted as a round trip.
 */
const INSIDE_SCRIPTS = new Set([
  'time',
  'zscore',
  'zadd',
  'zremrangebyscore',
  'zrangebyscore',
  'zrange',
  'exists',
  'pexpire',
  'get',
  'set',
  'del',
]);
const CLUSTER_DIST = new URL('../../apps/broker/dist/cluster/', import.meta.url);
for (const file of existsSync(CLUSTER_DIST) ? readdirSync(CLUSTER_DIST) : []) {
  if (!file.endsWith('.js')) continue;
  for (const [, command] of readFileSync(new URL(file, CLUSTER_DIST), 'utf8').matchAll(/redis\.call\(\s*\\?['"](\w+)/gi))
    INSIDE_SCRIPTS.add(command.toLowerCase());
}
/** The simulation's own commands, not the members'. */
const OURS = new Set(['info', 'flushall', 'config', 'client', 'ping', 'script']);

/** Starts redis-server on a free 127.0.0.1 port, persistence off; `stop()` ends it. */
export async function startRedis() {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) throw new Error('redis-server is not on PATH');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxclients', '2000'];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (const deadline = Date.now() + 10_000; !log.includes('Ready to accept connections'); await sleep(20)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start:\n${log}`);
  }
  const url = `redis://127.0.0.1:${port}`;
  const admin = new Redis(url, { connectionName: 'fleet-bench:admin' });
  return {
    url,
    admin,
    pid: child.pid,
    async stop() {
      admin.disconnect();
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

function fields(text) {
  const out = {};
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

/** Counters to take deltas of: commands (top level and inside scripts), Redis CPU, bytes sent. */
export async function redisCounters(admin) {
  const info = fields(await admin.info('all'));
  const c = { topLevel: 0, inScripts: 0, byCommand: {}, cpuSeconds: 0, outBytes: 0 };
  for (const [key, value] of Object.entries(info)) {
    if (!key.startsWith('cmdstat_')) continue;
    const name = key.slice('cmdstat_'.length).toLowerCase();
    if (OURS.has(name)) continue;
    const calls = Number(/calls=(\d+)/.exec(value)[1]);
    c.byCommand[name] = calls;
    if (INSIDE_SCRIPTS.has(name)) c.inScripts += calls;
    else c.topLevel += calls;
  }
  c.cpuSeconds = Number(info.used_cpu_sys) + Number(info.used_cpu_user);
  c.outBytes = Number(info.total_net_output_bytes);
  return c;
}

export function counterDelta(before, after) {
  const byCommand = {};
  for (const [name, calls] of Object.entries(after.byCommand)) {
    const d = calls - (before.byCommand[name] ?? 0);
    if (d > 0) byCommand[name] = d;
  }
  return {
    topLevel: after.topLevel - before.topLevel,
    inScripts: after.inScripts - before.inScripts,
    byCommand,
    cpuSeconds: after.cpuSeconds - before.cpuSeconds,
    outBytes: after.outBytes - before.outBytes,
  };
}
