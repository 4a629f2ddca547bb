import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from '@jest/globals';

/** The built watchdog (Jest's globalSetup compiles the broker): its thread runs from the emitted .js files. */
const WATCHDOG = pathToFileURL(resolve('apps/broker/dist/lifecycle/blocked-loop.watchdog.js')).href;

/**
 * A process whose heartbeat passes 2^31 ms since its origin (24.8 days of uptime) 1.5 s in, whose wall
 * clock then jumps as far, and whose main thread stays healthy for 3 s, then blocks for 5.5 s.
 */
const PAST_THE_WRAP = `
import { blockedLoopWatchdog } from '${WATCHDOG}';
const monotonic = () => Number(process.hrtime.bigint() / 1000000n);
blockedLoopWatchdog.start({ drainMs: 1000, shutdownTimeoutMs: 1000 }, monotonic() - (2 ** 31 - 1500));
const wallClock = Date.now;
Date.now = () => wallClock() + 2 ** 31 + 1000;
setInterval(() => {}, 1000);
setTimeout(() => {
  console.error('blocking');
  for (const start = monotonic(); monotonic() - start < 5500; );
  setTimeout(() => process.exit(0), 1500);
}, 3000);
`;

/** A process started with --input-type, which its worker threads inherit and cannot start with. */
const THREAD_FAILS = `
import { blockedLoopWatchdog } from '${WATCHDOG}';
blockedLoopWatchdog.start({ drainMs: 1000, shutdownTimeoutMs: 1000 });
setTimeout(() => { console.log('alive'); process.exit(0); }, 1500);
`;

describe('the watchdog thread', () => {
  it('failing is said on the main thread, which carries on', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', THREAD_FAILS], { encoding: 'utf8', timeout: 15_000 });
    expect(run.stdout).toBe('alive\n');
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/ERROR.*\[Watchdog\].*the watchdog thread failed \(.*\); deadlines are kept by this thread only/);
  });

  it('keeps time past 2^31 ms of uptime: no block while the main thread beats, a real block still seen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'watchdog-wrap-'));
    writeFileSync(join(dir, 'past-the-wrap.mjs'), PAST_THE_WRAP);
    const run = spawnSync(process.execPath, [join(dir, 'past-the-wrap.mjs')], { encoding: 'utf8', timeout: 25_000 });
    rmSync(dir, { recursive: true });
    expect(run.status).toBe(0);
    const lines = run.stderr.split('\n').filter((line) => line.includes('[Watchdog]') || line === 'blocking');
    expect(lines).toEqual([
      'blocking',
      expect.stringMatching(/WARN \[Watchdog\] the event loop has been blocked for \d{4} ms, in .*no probe is answered/),
      expect.stringMatching(/LOG \[Watchdog\] the event loop runs again after a block of \d{4} ms/),
    ]);
  });
});
