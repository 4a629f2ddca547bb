import { Logger } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import {
  type ArmedDeadline,
  beatValue,
  HEARTBEAT_MS,
  HEARTBEAT_SLOT,
  monotonicMs,
  RUNNING_SLOT,
  type WatchdogData,
  type WatchdogMessage,
} from './blocked-loop.messages.js';

/** A deadline the watchdog thread keeps; what runs through run() is known to be the armed work itself. */
export interface ArmedStart {
  /** Runs `work` (synchronous code of the armed start) marked as such: a block inside it is the start's own. */
  run<T>(work: () => T): T;
  disarm(): void;
}

/**
 * The main thread's side of the watchdog thread (blocked-loop.worker.ts), which keeps the shutdown and
 * start deadlines even while synchronous code blocks this thread: this side beats a shared heartbeat
 * (one Atomics.store every HEARTBEAT_MS) and posts a message when a deadline is armed or disarmed.
 * One per process, like the event loop it watches; until start() every call is a no-op.
 */
export class BlockedLoopWatchdog {
  private worker?: Worker;
  private shared?: Int32Array;
  private nextId = 0;

  /**
   * Starts the watchdog thread; DRAIN_MS + SHUTDOWN_TIMEOUT_MS is the shutdown deadline it keeps. The
   * heartbeat counts from `origin` (a monotonicMs() reading; now unless given).
   */
  start(deadlines: Pick<WatchdogData, 'drainMs' | 'shutdownTimeoutMs'>, origin = monotonicMs()): void {
    if (this.worker) return;
    const shared = (this.shared = new Int32Array(new SharedArrayBuffer(8)));
    const data: WatchdogData = { heartbeat: shared.buffer as SharedArrayBuffer, origin, ...deadlines };
    this.worker = new Worker(new URL('./blocked-loop.worker.js', import.meta.url), { workerData: data, stdout: false, stderr: false });
    // An error in the watchdog thread is its own: said, never a reason for the broker to stop.
    this.worker.on('error', (error) =>
      new Logger('Watchdog').error(
        `the watchdog thread failed (${error?.message ?? String(error)}); deadlines are kept by this thread only`,
      ),
    );
    // Neither keeps the process alive: the broker's own handles decide when it ends.
    this.worker.unref();
    const beat = () => Atomics.store(shared, HEARTBEAT_SLOT, beatValue(monotonicMs() - origin));
    beat();
    setInterval(beat, HEARTBEAT_MS).unref();
  }

  /** The shutdown began; the deadline runs from the first signal, which the watchdog thread may have heard already. */
  shutdownStarted(): void {
    this.post({ kind: 'shutdown' });
  }

  /**
   * `deadline.what` must finish within `deadline.ms`. A main thread blocked past that (plus a second) by
   * the armed work itself (inside run(), or with a frame under `deadline.owner`) ends the process with
   * code 1 and a line naming it; a block by other code is only said; otherwise the caller's own timer
   * reports the lateness.
   */
  arm(deadline: ArmedDeadline): ArmedStart {
    const shared = this.shared;
    if (!this.worker || !shared) return { run: (work) => work(), disarm: () => undefined };
    const id = this.nextId++;
    this.post({ kind: 'arm', id, ...deadline });
    return {
      run: (work) => {
        const outer = Atomics.exchange(shared, RUNNING_SLOT, id + 1);
        try {
          return work();
        } finally {
          Atomics.store(shared, RUNNING_SLOT, outer);
        }
      },
      disarm: () => this.post({ kind: 'disarm', id }),
    };
  }

  private post(message: WatchdogMessage): void {
    this.worker?.postMessage(message);
  }
}

/** The process's watchdog: main.ts starts it, whatever may block the main thread for long arms it. */
export const blockedLoopWatchdog = new BlockedLoopWatchdog();
