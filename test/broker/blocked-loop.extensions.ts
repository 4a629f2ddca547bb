/** The extensions the blocked-loop specs load, each blocking, sleeping or leaking in its own way, and the watchdog's lines. */

/** Blocks the event loop in configure(), for ever. */
export const BLOCKS_CONFIGURE = `export default () => ({
  configure() {
    console.error('blocks-configure: blocking the event loop');
    for (;;);
  },
});`;

/** Blocks the event loop in authorizePublish: for ever on block/forever, N ms on block/<N>. */
export const BLOCKS_HOOK = `export default () => ({
  configure() {},
  authorizePublish(client, packet) {
    if (packet.topic === 'block/forever') {
      console.error('blocks-hook: blocking the event loop');
      for (;;);
    }
    const ms = /^block\\/(\\d+)$/.exec(packet.topic)?.[1];
    if (ms) {
      console.error('blocks-hook: blocking the event loop for ' + ms + ' ms');
      for (const start = Date.now(); Date.now() - start < Number(ms); );
      console.error('blocks-hook: done');
    }
    return true;
  },
});`;

/** Blocks the event loop in native code (a synchronous child process) in configure(). */
export const SLEEPS_IN_CONFIGURE = `import { execSync } from 'node:child_process';
export default () => ({
  configure() {
    console.error('sleeps-configure: blocking the event loop in native code');
    execSync('sleep 30');
  },
});`;

/** Blocks the event loop in native code in authorizePublish on native/sleep. */
export const SLEEPS_IN_HOOK = `import { execSync } from 'node:child_process';
export default () => ({
  configure() {},
  authorizePublish(client, packet) {
    if (packet.topic === 'native/sleep') {
      console.error('sleeps-hook: blocking the event loop in native code');
      execSync('sleep 30');
    }
    return true;
  },
});`;

/** Its configure() waits (never blocks) for conf/config.json's delayMs. */
export const STARTS_SLOWLY = `export default () => ({
  async configure(config) {
    console.error('starts-slowly: configuring for ' + (config.delayMs ?? 0) + ' ms');
    await new Promise((done) => setTimeout(done, config.delayMs ?? 0));
  },
});`;

/** Keeps 1 MB more every 100 ms once a client publishes to leak/start. */
export const LEAKS = `const kept = [];
export default () => ({
  configure() {},
  authorizePublish(client, packet) {
    if (packet.topic === 'leak/start') {
      console.error('leaks: leaking 10 MB/s');
      setInterval(() => kept.push(new Array(131072).fill(Math.random())), 100);
    }
    return true;
  },
});`;

export const watchdogLines = (log: string) => log.split('\n').filter((line) => line.includes('[Watchdog]'));
