// Pinning and per-process accounting (Linux): the server under test and the load generator each get a
// core of their own (`taskset -c`), and a server's cost is read from /proc/<pid>/stat as CPU time.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { SETTINGS } from './settings.js';

function probe(command, args) {
  const { status, stdout, error } = spawnSync(command, args, { encoding: 'utf8' });
  return error || status !== 0 ? undefined : stdout.trim();
}

/** Clock ticks per second of utime/stime (`getconf CLK_TCK`); 100 on every Linux in practice. */
export const CLK_TCK = Number(probe('getconf', ['CLK_TCK'])) || 100;
const PAGE_SIZE = Number(probe('getconf', ['PAGESIZE'])) || 4096;
const TASKSET = probe('taskset', ['-V']) !== undefined;
const CORES = os.availableParallelism?.() ?? os.cpus().length;

/** Whether servers and load are pinned, and why not when they are not. */
export const PINNING = !TASKSET
  ? { pinned: false, why: 'taskset not found (util-linux): processes unpinned' }
  : CORES < 2
    ? { pinned: false, why: `${CORES} core: processes unpinned` }
    : { pinned: true, why: `server on core ${SETTINGS.cores.server}, load generator on core ${SETTINGS.cores.load} (taskset -c)` };

/** Pins this process (every thread: autocannon, MQTT clients, libuv) to the load generator's core. */
export function pinSelf() {
  if (!PINNING.pinned) return;
  if (probe('taskset', ['-a', '-p', '-c', String(SETTINGS.cores.load), String(process.pid)]) === undefined)
    PINNING.why = `taskset -p failed: load generator unpinned, server on core ${SETTINGS.cores.server}`;
}

/** [command, args] that run `node <nodeArgs...>` on the server's core when pinning is available. */
export function serverCommand(nodeArgs) {
  return PINNING.pinned ? ['taskset', ['-c', String(SETTINGS.cores.server), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
}

function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces or parentheses: fields start after the last ') '.
  return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
}

/** utime + stime of a process, in clock ticks. */
export function cpuTicks(pid) {
  const fields = statFields(pid);
  return Number(fields[11]) + Number(fields[12]);
}

/** Resident set size of a process, in bytes. */
export function rssBytes(pid) {
  return Number(statFields(pid)[21]) * PAGE_SIZE;
}

function coreBusyTicks() {
  const busy = {};
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const fields = /^cpu(\d+) (.*)$/.exec(line);
    if (!fields) continue;
    // user nice system idle iowait irq softirq steal: everything but idle and iowait.
    const [user, nice, system, , , irq, softirq, steal] = fields[2].split(' ').map(Number);
    busy[fields[1]] = user + nice + system + irq + softirq + steal;
  }
  return busy;
}

/**
 * Starts watching for other processes on the two cores; the function it returns gives the largest
 * share of a core that anything but the server (on its core) and this process (on the load core) took
 * since. NaN when unpinned: then nobody owns a core and the share means nothing.
 */
export function watchForeignLoad(serverPid) {
  if (!PINNING.pinned) return () => NaN;
  const { server, load } = SETTINGS.cores;
  const before = { busy: coreBusyTicks(), server: cpuTicks(serverPid), self: cpuTicks(process.pid), at: performance.now() };
  return () => {
    const busy = coreBusyTicks();
    const elapsedTicks = ((performance.now() - before.at) / 1000) * CLK_TCK;
    const serverCore = busy[server] - before.busy[server] - (cpuTicks(serverPid) - before.server);
    const loadCore = busy[load] - before.busy[load] - (cpuTicks(process.pid) - before.self);
    return Math.max(serverCore, loadCore) / elapsedTicks;
  };
}

/** CPU microseconds per operation between two cpuTicks() readings. */
export function cpuMicros(ticks, operations) {
  return operations > 0 ? (ticks * 1e6) / CLK_TCK / operations : NaN;
}

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A port of 127.0.0.1 free now (the OS's choice), for a server the bench starts. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
