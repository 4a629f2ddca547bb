/**
 * The watchdog thread. It shares nothing with the main thread but a heartbeat and a few messages, so
 * it runs while the main thread is blocked in synchronous code: it hears SIGTERM/SIGINT itself,
 * keeps the shutdown and start deadlines, says where the main thread is stuck, and ends the process.
 */
import { writeSync } from 'node:fs';
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';
import {
  BLOCKED_WARNING_MS,
  blockedLine,
  describeFrame,
  FORCED_EXIT_WAIT_MS,
  HEARTBEAT_MS,
  logLine,
  SHUTDOWN_DEADLINE_GRACE_MS,
  shutdownDeadlineLine,
  START_DEADLINE_GRACE_MS,
  startDeadlineLine,
  unblockedLine,
  type WatchdogData,
  type WatchdogMessage,
} from './blocked-loop.messages.js';

interface CallFrame {
  functionName: string;
  url: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
}

const data = workerData as WatchdogData;
const heartbeat = new Int32Array(data.heartbeat);
const armed = new Map<number, NodeJS.Timeout>();
let shutdownTimer: NodeJS.Timeout | undefined;
let exiting = false;

const log = (level: 'WARN' | 'ERROR' | 'LOG', message: string) => writeSync(2, logLine(level, message));
/** Milliseconds since the main thread last beat. */
const silentMs = () => Date.now() - data.origin - Atomics.load(heartbeat, 0);

parentPort!.on('message', (message: WatchdogMessage) => {
  if (message.kind === 'shutdown') return startShutdownDeadline();
  if (message.kind === 'disarm') {
    clearTimeout(armed.get(message.id));
    armed.delete(message.id);
    return;
  }
  const deadlineAt = Date.now() + message.ms;
  // Past the deadline, the main thread's own timer reports a late start; the process ends only if it cannot run.
  const check = () => {
    const blockedSince = Date.now() - silentMs();
    if (blockedSince > deadlineAt) return armed.set(message.id, setTimeout(check, START_DEADLINE_GRACE_MS));
    void forceExit((frame) => startDeadlineLine(message, silentMs(), frame));
  };
  armed.set(message.id, setTimeout(check, message.ms + START_DEADLINE_GRACE_MS));
});

listenForSignals();
// Unref'd: it only samples; the worker lives as long as the main thread holds it.
setInterval(watchForBlocks, HEARTBEAT_MS * 2).unref();

function startShutdownDeadline(): void {
  shutdownTimer ??= setTimeout(
    () => void forceExit((frame) => shutdownDeadlineLine(data, silentMs(), frame)),
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
  void stackOfMainThread().then((frame) => exiting || log('WARN', blockedLine(silentMs(), frame)));
}

/**
 * Logs the reason, then ends the process with code 1 from the main thread through the in-process
 * inspector (whose messages a thread busy in JavaScript still takes), or with SIGKILL if it does not.
 */
async function forceExit(reason: (frame?: string) => string): Promise<void> {
  if (exiting) return;
  exiting = true;
  log('ERROR', reason(await stackOfMainThread()));
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), FORCED_EXIT_WAIT_MS).unref();
  try {
    const session = new Session();
    session.connectToMainThread();
    session.post('Runtime.evaluate', { expression: 'process.exit(1)' });
  } catch {
    process.kill(process.pid, 'SIGKILL');
  }
}

/** The innermost frames of the main thread outside Node's own code, read by pausing it for a moment. */
function stackOfMainThread(): Promise<string | undefined> {
  return new Promise((resolve) => {
    let session: Session;
    const scripts = new Map<string, string>();
    const done = (frame?: string) => {
      clearTimeout(timer);
      try {
        session.post('Debugger.resume');
        session.post('Debugger.disable');
        session.disconnect();
      } catch {
        // Already gone.
      }
      resolve(frame);
    };
    const timer = setTimeout(() => done(), 500);
    try {
      session = new Session();
      session.connectToMainThread();
      session.on('Debugger.scriptParsed', ({ params }) => scripts.set(params.scriptId, params.url));
      session.on('Debugger.paused', ({ params }) => {
        const frames = (params.callFrames as CallFrame[])
          .map((f) => ({ ...f, url: f.url || scripts.get(f.location.scriptId) || '' }))
          .filter((f) => f.url && !f.url.startsWith('node:'))
          .slice(0, 3)
          .map((f) => describeFrame({ functionName: f.functionName, url: f.url, ...f.location }));
        done(frames.join(' <- ') || undefined);
      });
      session.post('Debugger.enable', () => session.post('Debugger.pause'));
    } catch {
      done();
    }
  });
}
