import { Worker } from 'node:worker_threads';
import { HEARTBEAT_MS, type WatchdogData, type WatchdogMessage } from './blocked-loop.messages.js';

/**
 * The main thread's side of the watchdog thread (blocked-loop.worker.ts), which keeps the shutdown and
 * start deadlines even while synchronous code blocks this thread: this side beats a shared heartbeat
 * (one Atomics.store every HEARTBEAT_MS) and posts a message when a deadline is armed or disarmed.
 * One per process, like the event loop it watches; until start() every call is a no-op.
 */
export class BlockedLoopWatchdog {
  private worker?: Worker;
  private nextId = 0;

  /** Starts the watchdog thread; DRAIN_MS + SHUTDOWN_TIMEOUT_MS is the shutdown deadline it keeps. */
  start(deadlines: Pick<WatchdogData, 'drainMs' | 'shutdownTimeoutMs'>): void {
    if (this.worker) return;
    const heartbeat = new Int32Array(new SharedArrayBuffer(4));
    const origin = Date.now();
    const data: WatchdogData = { heartbeat: heartbeat.buffer as SharedArrayBuffer, origin, ...deadlines };
    this.worker = new Worker(new URL('./blocked-loop.worker.js', import.meta.url), { workerData: data, stdout: false, stderr: false });
    // Neither keeps the process alive: the broker's own handles decide when it ends.
    this.worker.unref();
    const beat = () => Atomics.store(heartbeat, 0, Date.now() - origin);
    beat();
    setInterval(beat, HEARTBEAT_MS).unref();
  }

  /** The shutdown began; the deadline runs from the first signal, which the watchdog thread may have heard already. */
  shutdownStarted(): void {
    this.post({ kind: 'shutdown' });
  }

  /**
   * `what` must finish within `ms`. A main thread blocked past that (plus a second) ends the process
   * with code 1 and a line naming `what`, `variable` and `advice`; otherwise the caller's own timer
   * reports the lateness. Returns the disarm.
   */
  arm(what: string, ms: number, variable: string, advice: string): () => void {
    if (!this.worker) return () => undefined;
    const id = this.nextId++;
    this.post({ kind: 'arm', id, what, ms, variable, advice });
    return () => this.post({ kind: 'disarm', id });
  }

  private post(message: WatchdogMessage): void {
    this.worker?.postMessage(message);
  }
}

/** The process's watchdog: main.ts starts it, whatever may block the main thread for long arms it. */
export const blockedLoopWatchdog = new BlockedLoopWatchdog();
