/** What the main thread tells the watchdog thread; posting one costs a structured clone of a few fields. */
export type WatchdogMessage =
  /** The shutdown began (the watchdog may have seen the signal itself first): the deadline runs from the first. */
  | { readonly kind: 'shutdown' }
  /**
   * `what` must be done within `ms`; if the main thread is still blocked past that by `what` itself (its
   * synchronous part is running, or the stack has a frame under `owner`), the process ends.
   */
  | ({ readonly kind: 'arm'; readonly id: number } & ArmedDeadline)
  | { readonly kind: 'disarm'; readonly id: number };

/** A deadline kept for something that may block the main thread (an extension's start). */
export interface ArmedDeadline {
  readonly what: string;
  readonly ms: number;
  readonly variable: string;
  readonly advice: string;
  /** A file URL prefix: a frame of the blocked main thread under it means `what` is what blocks. */
  readonly owner?: string;
}

/** What the watchdog thread starts with. */
export interface WatchdogData {
  /**
   * Int32Array over a SharedArrayBuffer: [HEARTBEAT_SLOT] = the main thread's last beat, ms since `origin`
   * modulo 2^32 (see silenceMs); [RUNNING_SLOT] = id + 1 of the armed start whose synchronous code runs, or 0.
   */
  readonly heartbeat: SharedArrayBuffer;
  /** monotonicMs() when the heartbeat started; both threads count from it. */
  readonly origin: number;
  readonly drainMs: number;
  readonly shutdownTimeoutMs: number;
}

export const HEARTBEAT_SLOT = 0;
export const RUNNING_SLOT = 1;

/** Milliseconds on the process's monotonic clock, the same in every thread; a wall-clock step cannot fake a block. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/** What the main thread stores as its beat at `ms` since the origin: an Int32 keeps it modulo 2^32. */
export function beatValue(ms: number): number {
  return ms | 0;
}

/**
 * How long the main thread has been silent at `nowMs` (since the origin), given its last beat: the
 * difference is taken modulo 2^32, so it stays right past 2^31 ms (24.8 days) of uptime and beyond. A
 * beat stored just after `nowMs` was read counts as no silence.
 */
export function silenceMs(nowMs: number, beat: number): number {
  return Math.max(0, (nowMs - beat) | 0);
}

/** How the watchdog ends the process: a main thread in native code takes no exit until it returns, a signal ends it anyway. */
function exiting(frame: string | undefined): string {
  return frame === NATIVE_CODE ? 'ending it with SIGKILL from the watchdog thread' : 'exiting with code 1 from the watchdog thread';
}

/** Said instead of a frame when the inspector could not pause the main thread: it is not running JavaScript. */
export const NATIVE_CODE = 'stack unavailable: blocked in native code';

/** The main thread beats this often; a beat costs one Atomics.store. */
export const HEARTBEAT_MS = 250;
/** A main thread silent this long is blocked (no timer of its own can fire): said once per block, with where. */
export const BLOCKED_WARNING_MS = 5000;
/**
 * How long past a start deadline the main thread must have been silent before the process ends: a main
 * thread that runs again within it reports the late extension itself (DOWN) and carries on.
 */
export const START_DEADLINE_GRACE_MS = 1000;
/** After the shutdown deadline the main thread's own watchdog exits at once; this much later the worker does. */
export const SHUTDOWN_DEADLINE_GRACE_MS = 250;
/** How long the inspector may take to pause the main thread and read its stack; longer means native code. */
export const STACK_READ_MS = 500;
/** How long to wait for a main thread busy in JavaScript to take the exit through the inspector before SIGKILL. */
export const FORCED_EXIT_WAIT_MS = 2000;

/** `1234 ms` below ten seconds, `12.3 s` above. */
export function duration(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `, in authorizePublish (file:///…/index.js:3)`; NATIVE_CODE when the stack could not be read; nothing without frames of ours. */
export function where(frame: string | undefined): string {
  if (frame === NATIVE_CODE) return ` (${NATIVE_CODE})`;
  return frame ? `, in ${frame}` : '';
}

/** The line for a shutdown that outlasted DRAIN_MS + SHUTDOWN_TIMEOUT_MS while the main thread could not end it. */
export function shutdownDeadlineLine(data: Pick<WatchdogData, 'drainMs' | 'shutdownTimeoutMs'>, blockedMs: number, frame?: string): string {
  const deadline = data.drainMs + data.shutdownTimeoutMs;
  const state =
    blockedMs >= HEARTBEAT_MS * 2
      ? `the event loop has been blocked for ${duration(blockedMs)}${where(frame)}`
      : 'the event loop runs but the shutdown did not end';
  return (
    `shutdown deadline (${deadline} ms: DRAIN_MS ${data.drainMs} + SHUTDOWN_TIMEOUT_MS ${data.shutdownTimeoutMs}) passed and ${state}; ` +
    `${exiting(frame)}. Find what blocks the event loop, or raise SHUTDOWN_TIMEOUT_MS.`
  );
}

/** The line for a start (an extension's load or configure()) that blocked the main thread past its deadline. */
export function startDeadlineLine(
  armed: Pick<ArmedDeadline, 'what' | 'ms' | 'variable' | 'advice'>,
  blockedMs: number,
  frame?: string,
): string {
  return (
    `${armed.what} blocked the event loop past its deadline (${armed.variable} ${armed.ms} ms; blocked for ${duration(blockedMs)}` +
    `${where(frame)}): a blocked broker serves neither MQTT nor probes, so it ends to be restarted (${exiting(frame)}). ${armed.advice}`
  );
}

/** Said once when a start's deadline passes while other code blocks the event loop: not a reason to end the process. */
export function otherBlockLine(armed: Pick<ArmedDeadline, 'what' | 'ms' | 'variable'>, blockedMs: number, frame?: string): string {
  return (
    `${armed.what} is past its deadline (${armed.variable} ${armed.ms} ms) while the event loop has been blocked for ` +
    `${duration(blockedMs)} by code not traced to it${where(frame)}; not ending the process for it: once the loop runs the start ` +
    `is reported late, and the shutdown deadline still holds`
  );
}

/** The warning once a block has lasted BLOCKED_WARNING_MS: while it lasts nothing else can log. */
export function blockedLine(blockedMs: number, frame?: string): string {
  return (
    `the event loop has been blocked for ${duration(blockedMs)}${where(frame)}: ` +
    `no MQTT packet and no probe is answered until it runs again`
  );
}

/** Said when a block that was warned about ends. */
export function unblockedLine(blockedMs: number): string {
  return `the event loop runs again after a block of ${duration(blockedMs)}`;
}

/** One line in Nest's console format, since the watchdog thread has no Nest logger. */
export function logLine(level: 'WARN' | 'ERROR' | 'LOG', message: string, pid = process.pid, at = new Date()): string {
  const time = new Intl.DateTimeFormat(undefined, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).format(at);
  return `[Nest] ${pid}  - ${time} ${level.padStart(7)} [Watchdog] ${message}\n`;
}

/** A call frame as `functionName (url:line)`, the way a stack trace names it. */
export function describeFrame(frame: { functionName: string; url: string; lineNumber: number; columnNumber: number }): string {
  return `${frame.functionName || '<anonymous>'} (${frame.url}:${frame.lineNumber + 1}:${frame.columnNumber + 1})`;
}
