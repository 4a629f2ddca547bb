import { fork } from 'node:child_process';

const BOOT_TIMEOUT_MS = 20_000;
const REPLY_TIMEOUT_MS = 5_000;
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * One compiled bench app (bench/dist/apps/main.js <name>) in its own child process, so the server
 * gets its own event loop and, on a 2-core machine, its own core while autocannon drives the load
 * from the parent. IPC carries the port, the slow dependency's call count and the close command.
 */
export class BenchServer {
  #child;
  #replies = new Map();
  #nextId = 0;
  #exited;

  constructor(name, child, port) {
    this.name = name;
    this.url = `http://127.0.0.1:${port}`;
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

  static start(entry, name) {
    // execArgv: [] so flags of the bench runner (inspector, loaders) do not leak into the server.
    const child = fork(entry, [name], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
          return fail(new Error(`bench app "${name}" sent ${JSON.stringify(message)} instead of its port`));
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        resolve(new BenchServer(name, child, message.port));
      });
    });
  }

  /** How often the app's 20 ms dependency has run so far, and when (the child's clock) it said so. */
  slowCalls() {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#replies.delete(id);
        reject(new Error(`bench app "${this.name}" did not answer within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      this.#replies.set(id, {
        resolve: (message) => {
          clearTimeout(timer);
          resolve({ count: message.slow, at: message.at });
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#child.send({ type: 'calls', id });
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
