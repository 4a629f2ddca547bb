import { spawn } from 'node:child_process';
import { cpuTicks, rssBytes, serverCommand } from './lib/system.js';

const BOOT_TIMEOUT_MS = 20_000;
const REPLY_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * One compiled bench app (bench/dist/apps/main.js <name>) in its own child process, pinned to the
 * server's core, so the server gets its own event loop and core while autocannon drives the load from
 * the parent on the other. IPC carries the ports, the indicators' call counts, memory after a GC and
 * the close command; CPU time and RSS are read from /proc/<pid>.
 */
export class BenchServer {
  #child;
  #replies = new Map();
  #nextId = 0;
  #exited;

  constructor(name, child, ports) {
    this.name = name;
    this.pid = child.pid;
    /** One base URL per listener name (`main` for a Nest HTTP server or bare node:http); `url` is the first. */
    this.urls = Object.fromEntries(Object.entries(ports).map(([listener, port]) => [listener, `http://127.0.0.1:${port}`]));
    this.url = Object.values(this.urls)[0];
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.on('message', (message) => {
      const reply = this.#replies.get(message.id);
      if (!reply) return;
      this.#replies.delete(message.id);
      reply.resolve(message);
    });
    child.once('exit', (code, signal) => {
      for (const reply of this.#replies.values())
        reply.reject(new Error(`bench app "${name}" exited (${signal ?? code}) while the bench waited for it`));
      this.#replies.clear();
    });
  }

  /** `nodeArgs`: extra node flags (--cpu-prof ...); --expose-gc is always on, for memory(). */
  static start(entry, name, nodeArgs = []) {
    // Only these flags: flags of the bench runner (inspector, loaders) must not leak into the server.
    const [command, args] = serverCommand(['--expose-gc', ...nodeArgs, entry, name]);
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      const fail = (error) => {
        clearTimeout(timer);
        child.kill();
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new Error(`bench app "${name}" did not start listening within ${BOOT_TIMEOUT_MS} ms`)),
        BOOT_TIMEOUT_MS,
      );
      child.once('error', fail);
      child.once('exit', (code, signal) => fail(new Error(`bench app "${name}" exited (${signal ?? code}) before listening`)));
      child.once('message', (message) => {
        if (message?.type !== 'listening')
          return fail(new Error(`bench app "${name}" sent ${JSON.stringify(message)} instead of its ports`));
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        resolve(new BenchServer(name, child, message.ports));
      });
    });
  }

  /** utime + stime of the server so far, in clock ticks. */
  cpuTicks() {
    return cpuTicks(this.pid);
  }

  rssBytes() {
    return rssBytes(this.pid);
  }

  /** How often the app's indicators have run so far ({ slow, tree: [...] }), and when (the child's clock) it said so. */
  counters() {
    return this.#request('calls');
  }

  /** process.memoryUsage() of the server after two full garbage collections. */
  memory() {
    return this.#request('memory');
  }

  /** Bare node:http only: answer `path` with `answer` ({ statusCode, headers, body }) from now on. */
  mirror(path, answer) {
    return this.#request('mirror', { path, answer });
  }

  #request(type, payload = {}) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#replies.delete(id);
        reject(new Error(`bench app "${this.name}" did not answer "${type}" within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      this.#replies.set(id, {
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#child.send({ ...payload, type, id });
    });
  }

  /** Asks the app to close; kills this child if it has not exited in time. */
  async close() {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    if (this.#child.connected) this.#child.send({ type: 'close' });
    let timer;
    const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS)));
    const outcome = await Promise.race([this.#exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.#child.kill('SIGKILL');
      await this.#exited;
    }
  }
}
