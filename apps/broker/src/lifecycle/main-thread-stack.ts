/**
 * The main thread's stack as the watchdog thread reads it, through the in-process inspector. Loaded in the
 * watchdog thread only: it imports nothing but Node and the watchdog's messages.
 */
import { Session } from 'node:inspector';
import { describeFrame, NATIVE_CODE, STACK_READ_MS } from './blocked-loop.messages.js';

interface CallFrame {
  functionName: string;
  url: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
}

/** What a pause of the main thread showed: every frame's URL, and the innermost frames outside Node's own code. */
export interface MainThreadStack {
  readonly urls: readonly string[];
  /** NATIVE_CODE when the main thread could not be paused; undefined when no frame is outside Node's code. */
  readonly top?: string;
}

/** The read under way, shared: two sessions pausing the main thread at once would resume each other's pause. */
let reading: Promise<MainThreadStack> | undefined;

/**
 * The main thread's stack, read by pausing it for a moment through the inspector; within STACK_READ_MS
 * whatever happens, NATIVE_CODE as its top when the main thread took no inspector message meanwhile.
 */
export function stackOfMainThread(): Promise<MainThreadStack> {
  reading ??= readStack().finally(() => (reading = undefined));
  return reading;
}

function readStack(): Promise<MainThreadStack> {
  return new Promise((resolve) => {
    let session: Session | undefined;
    let settled = false;
    const scripts = new Map<string, string>();
    // Every call below may throw (the session disconnects when the read gives up): none may escape.
    const post = (method: string, then?: () => void) => {
      try {
        session?.post(method, (error) => !error && !settled && then?.());
      } catch {
        done({ urls: [], top: NATIVE_CODE });
      }
    };
    const done = (stack: MainThreadStack) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        session?.post('Debugger.resume', () => undefined);
        session?.post('Debugger.disable', () => undefined);
        session?.disconnect();
      } catch {
        // Already gone.
      }
      resolve(stack);
    };
    const timer = setTimeout(() => done({ urls: [], top: NATIVE_CODE }), STACK_READ_MS);
    try {
      session = new Session();
      session.connectToMainThread();
      session.on('Debugger.scriptParsed', ({ params }) => scripts.set(params.scriptId, params.url));
      session.on('Debugger.paused', ({ params }) => {
        const frames = (params.callFrames as CallFrame[]).map((f) => ({ ...f, url: f.url || scripts.get(f.location.scriptId) || '' }));
        const top = frames
          .filter((f) => f.url && !f.url.startsWith('node:'))
          .slice(0, 3)
          .map((f) => describeFrame({ functionName: f.functionName, url: f.url, ...f.location }));
        done({ urls: frames.map((f) => f.url), top: top.join(' <- ') || undefined });
      });
      post('Debugger.enable', () => post('Debugger.pause'));
    } catch {
      done({ urls: [], top: NATIVE_CODE });
    }
  });
}
