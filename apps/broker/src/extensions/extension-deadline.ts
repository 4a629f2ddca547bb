import { ExtensionDeadlineError } from './extension-error.util.js';

/**
 * Settles as `work` does, unless `ms` pass first (ExtensionDeadlineError "`what` within `ms` ms") or
 * `signal` aborts (its reason). `work` cannot be cancelled: a result it yields too late goes to `onLate`.
 */
export function withinDeadline<T>(work: Promise<T>, ms: number, what: string, signal: AbortSignal, onLate: (late: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (done: () => void): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      done();
      return true;
    };
    const onAbort = () => settle(() => reject(signal.reason));
    const timer = setTimeout(
      () => settle(() => reject(new ExtensionDeadlineError(`${what} within ${ms} ms (EXTENSION_START_TIMEOUT_MS)`))),
      ms,
    );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => settle(() => resolve(value)) || onLate(value),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}
