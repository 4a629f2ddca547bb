import { ExtensionDeadlineError } from './extension-error.util.js';

/**
 * Settles as `work` does, unless `ms` pass first (ExtensionDeadlineError "`what` within `ms` ms") or
 * `signal` aborts (its reason). `work` cannot be cancelled: a result it yields too late goes to `onLate`.
 * "Too late" is read on the clock when `work` settles, not only from the timer: a synchronous busy loop
 * (in configure(), say) holds the timer back, and its result must still count as late.
 */
export function withinDeadline<T>(work: Promise<T>, ms: number, what: string, signal: AbortSignal, onLate: (late: T) => void): Promise<T> {
  const startedAt = performance.now();
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
    const overdue = () => reject(new ExtensionDeadlineError(`${what} within ${ms} ms (EXTENSION_START_TIMEOUT_MS)`));
    const inTime = () => performance.now() - startedAt <= ms;
    const timer = setTimeout(() => settle(overdue), ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        if (inTime() && settle(() => resolve(value))) return;
        settle(overdue);
        onLate(value);
      },
      (error: unknown) => settle(() => (inTime() ? reject(error) : overdue())),
    );
  });
}
