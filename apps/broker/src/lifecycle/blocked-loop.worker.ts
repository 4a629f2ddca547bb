/**
 * The watchdog thread. It shares nothing with the main thread but a heartbeat and a few messages, so
 * it runs while the main thread is blocked in synchronous code: it hears SIGTERM/SIGINT itself,
 * keeps the shutdown and start deadlines, says where the main thread is stuck, and ends the process.
 * Nothing here may throw: a dead watchdog keeps no deadline.
 */
import { writeSync } from 'node:fs';
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';
import {
  type ArmedDeadline,
  BLOCKED_WARNING_MS,
  blockedLine,
  FORCED_EXIT_WAIT_MS,
  HEARTBEAT_MS,
  HEARTBEAT_SLOT,
  logLine,
  monotonicMs,
  NATIVE_CODE,
  otherBlockLine,
  RUNNING_SLOT,
  SHUTDOWN_DEADLINE_GRACE_MS,
  shutdownDeadlineLine,
  silenceMs,
  START_DEADLINE_GRACE_MS,
  startDeadlineLine,
  unblockedLine,
  type WatchdogData,
  type WatchdogMessage,
} from './blocked-loop.messages.js';
import { stackOfMainThread, type MainThreadStack } from './main-thread-stack.js';

const data = workerData as WatchdogData;
const shared = new Int32Array(data.heartbeat);
const armed = new Map<number, NodeJS.Timeout>();
let shutdownTimer: NodeJS.Timeout | undefined;
let exiting = false;

const log = (level: 'WARN' | 'ERROR' | 'LOG', message: string) => {
  try {
    writeSync(2, logLine(level, message));
  } catch {
    // stderr gone: the deadlines still hold.
  }
};
const now = () => monotonicMs() - data.origin;
/** Milliseconds since the main thread last beat. */
const silentMs = () => silenceMs(now(), Atomics.load(shared, HEARTBEAT_SLOT));

// A throw here would end this thread and every deadline with it: say it and carry on.
process.on('uncaughtException', (error) =>
  log('ERROR', `watchdog thread error (carrying on): ${(error as Error)?.stack ?? String(error)}`),
);
process.on('unhandledRejection', (reason) => log('ERROR', `watchdog thread error (carrying on): ${String(reason)}`));

parentPort!.on('message', (message: WatchdogMessage) => {
  if (message.kind === 'shutdown') return startShutdownDeadline();
  if (message.kind === 'disarm') {
    clearTimeout(armed.get(message.id));
    armed.delete(message.id);
    return;
  }
  keepStartDeadline(message.id, message);
});

listenForSignals();
// Unref'd: it only samples; the worker lives as long as the main thread holds it.
setInterval(watchForBlocks, HEARTBEAT_MS * 2).unref();

/**
 * Past the deadline, the main thread's own timer reports a late start; the process ends only if it
 * cannot run because the start itself blocks it. A block by other code is only said (and watched on).
 */
function keepStartDeadline(id: number, deadline: ArmedDeadline): void {
  const deadlineAt = now() + deadline.ms;
  let saidOther = false;
  const again = () =>
    armed.has(id) &&
    armed.set(
      id,
      setTimeout(() => void check(), START_DEADLINE_GRACE_MS),
    );
  const check = async () => {
    // The main thread has run since the deadline: it reports the late start itself.
    if (now() - silentMs() > deadlineAt) return again();
    const stack = await stackOfMainThread();
    if (!armed.has(id) || exiting) return;
    const running = Atomics.load(shared, RUNNING_SLOT) === id + 1;
    const owned = deadline.owner !== undefined && stack.urls.some((url) => url.startsWith(deadline.owner!));
    if (running || owned) return forceExit(startDeadlineLine(deadline, silentMs(), stack.top), stack);
    if (!saidOther) log('WARN', otherBlockLine(deadline, silentMs(), stack.top));
    saidOther = true;
    again();
  };
  armed.set(
    id,
    setTimeout(() => void check(), deadline.ms + START_DEADLINE_GRACE_MS),
  );
}

function startShutdownDeadline(): void {
  shutdownTimer ??= setTimeout(
    () => void stackOfMainThread().then((stack) => forceExit(shutdownDeadlineLine(data, silentMs(), stack.top), stack)),
    data.drainMs + data.shutdownTimeoutMs + SHUTDOWN_DEADLINE_GRACE_MS,
  );
}

/**
 * A blocked main thread cannot run its signal handlers: the signal is heard here too. Node has no public
 * signal API in worker threads; its signal binding is the one way, so without it the main thread's own
 * 'shutdown' message (sent once its handler runs) starts the deadline.
 */
function listenForSignals(): void {
  try {
    process.noDeprecation = true; // process.binding() warns; this thread's process object only.
    const { Signal } = (process as unknown as { binding(name: string): { Signal: new () => SignalHandle } }).binding('signal_wrap');
    for (const signum of [15, 2]) {
      const handle = new Signal();
      handle.onsignal = startShutdownDeadline;
      handle.start(signum);
      handle.unref();
    }
  } catch {
    // Left to the main thread's message.
  }
}

interface SignalHandle {
  onsignal: () => void;
  start(signum: number): number;
  unref(): void;
}

/** Length so far of the block already warned about; undefined while the main thread beats. */
let warnedBlockMs: number | undefined;

/** Warns once per block that lasts BLOCKED_WARNING_MS, naming where the main thread is; says when it ends. */
function watchForBlocks(): void {
  const silent = silentMs();
  if (warnedBlockMs !== undefined) {
    if (silent >= warnedBlockMs) {
      warnedBlockMs = silent;
      return;
    }
    if (!exiting) log('LOG', unblockedLine(warnedBlockMs));
    warnedBlockMs = undefined;
    return;
  }
  if (silent < BLOCKED_WARNING_MS || exiting) return;
  warnedBlockMs = silent;
  void stackOfMainThread().then((stack) => exiting || log('WARN', blockedLine(silentMs(), stack.top)));
}

/**
 * Logs the reason, then ends the process with code 1 from the main thread through the in-process
 * inspector (whose messages a thread busy in JavaScript still takes), or with SIGKILL if it does not
 * within FORCED_EXIT_WAIT_MS. A main thread in native code (a synchronous child process, a blocking
 * read) has just failed to take an inspector message for STACK_READ_MS and takes none until it
 * returns: SIGKILL at once, which ends the process whatever it runs.
 */
function forceExit(reason: string, stack: MainThreadStack): void {
  if (exiting) return;
  exiting = true;
  log('ERROR', reason);
  if (stack.top === NATIVE_CODE) return kill();
  setTimeout(kill, FORCED_EXIT_WAIT_MS);
  try {
    const session = new Session();
    session.connectToMainThread();
    session.post('Runtime.evaluate', { expression: 'process.exit(1)' }, () => undefined);
  } catch {
    kill();
  }
}

function kill(): void {
  process.kill(process.pid, 'SIGKILL');
}
