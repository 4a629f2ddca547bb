import type { Logger } from '@nestjs/common';
import { describeError, escapeClientText } from './extension-error.util.js';
import type { BrokerExtension } from './extension.interface.js';
import { HookFailureLog } from './hook-failure-log.js';
import type { LoadedExtension } from './loaded-extension.interface.js';

export type HookName = 'authorizePublish' | 'authorizeSubscribe';

/** A plain verdict when the hook answered with a plain value, so the common path stays synchronous; a promise otherwise. */
export type HookVerdict = boolean | Promise<boolean>;

/**
 * Hook answers one client may have pending at once. Each costs about 2 KB until it settles or times out, and one
 * SUBSCRIBE packet may carry thousands of filters; past the bound the client's next requests are refused unasked.
 */
export const MAX_PENDING_ANSWERS_PER_CLIENT = 1_000;
/** Hook answers pending across all clients (about 20 MB at most); past it every request is refused unasked. */
export const MAX_PENDING_ANSWERS = 10_000;

/** Stands for the broker itself, which publishes without a client (wills, $SYS). */
const NO_CLIENT = {};

/**
 * Calls extensions' hooks and turns what they do into a verdict: `false`, or a promise of it, refuses;
 * anything else allows. A throw, a rejection, or an answer later than EXTENSION_HOOK_TIMEOUT_MS refuses too
 * and turns the extension DEGRADED with the reason, escaped (it often echoes a client's topic or id).
 * Lateness is judged by the clock when the answer arrives, not only by a timer: a hook that holds the event
 * loop (a synchronous busy loop) delays every timer, and its answer must still count as late.
 * Every verdict is reached, exactly once, whatever the answer does: the promise returned never rejects.
 */
export class ExtensionHooks {
  private readonly failures: HookFailureLog;
  /** Pending answers per client; a client leaves the map when its last answer settles. */
  private readonly pendingByClient = new Map<object, number>();
  private pendingTotal = 0;

  constructor(
    private readonly timeoutMs: number,
    logger: Logger,
  ) {
    this.failures = new HookFailureLog(logger);
  }

  /** `client` is the Aedes client asking (null for the broker itself); its pending answers are bounded. */
  ask(
    extension: LoadedExtension,
    hook: HookName,
    instance: BrokerExtension,
    client: object | null,
    call: (instance: BrokerExtension) => unknown,
  ): HookVerdict {
    const asker = client ?? NO_CLIENT;
    const overload = this.overload(asker);
    if (overload) return this.refuse(extension, `${hook} not asked: ${overload}`);
    const startedAt = performance.now();
    let answer: unknown;
    let pending: boolean;
    try {
      answer = call(instance);
      pending = typeof (answer as PromiseLike<unknown> | undefined)?.then === 'function';
    } catch (error) {
      return this.refuse(extension, `${hook} threw ${describeError(error)}`);
    }
    const heldMs = performance.now() - startedAt;
    if (heldMs > this.timeoutMs) {
      return this.refuse(
        extension,
        `${hook} held the event loop for ${Math.round(heldMs)} ms, over EXTENSION_HOOK_TIMEOUT_MS (${this.timeoutMs} ms)`,
      );
    }
    if (!pending) return answered(extension, answer);
    return this.settled(extension, hook, answer, startedAt, asker);
  }

  /**
   * Records a failure of the extension outside a hook's answer (a rejection nobody handled, found in its code):
   * DEGRADED with the reason, logged like hook failures. `reason` must already be escaped.
   */
  fail(extension: LoadedExtension, reason: string): void {
    extension.lastFailure = reason;
    extension.lastFailureAt = Date.now();
    extension.answeredSinceFailure = false;
    this.failures.report(`extension ${extension.manifest.id}`, reason);
  }

  /** Drops failure counts not logged yet. */
  stop(): void {
    this.failures.stop();
  }

  private overload(asker: object): string | undefined {
    if ((this.pendingByClient.get(asker) ?? 0) >= MAX_PENDING_ANSWERS_PER_CLIENT) {
      return `too many pending hook answers for one client (${MAX_PENDING_ANSWERS_PER_CLIENT})`;
    }
    if (this.pendingTotal >= MAX_PENDING_ANSWERS) return `too many pending hook answers in all (${MAX_PENDING_ANSWERS})`;
    return undefined;
  }

  private settled(extension: LoadedExtension, hook: HookName, answer: unknown, startedAt: number, asker: object): Promise<boolean> {
    this.count(asker, 1);
    return new Promise<boolean>((resolve) => {
      let decided = false;
      const decide = (verdict: () => boolean) => {
        if (decided) return;
        decided = true;
        clearTimeout(timer);
        this.count(asker, -1);
        try {
          resolve(verdict());
        } catch {
          resolve(false);
        }
      };
      const late = () => this.refuse(extension, `${hook} did not settle within ${this.timeoutMs} ms (EXTENSION_HOOK_TIMEOUT_MS)`);
      const timer = setTimeout(() => decide(late), this.timeoutMs - (performance.now() - startedAt));
      const inTime = () => performance.now() - startedAt <= this.timeoutMs;
      const rejected = (error: unknown) =>
        decide(() => (inTime() ? this.refuse(extension, `${hook} rejected with ${describeError(error)}`) : late()));
      try {
        // Adopted through a resolve function, not Promise.resolve(), which reads the answer's `constructor` and
        // throws at once if that throws. This way whatever the answer does (a `then` getter or call that throws,
        // a `constructor` or Symbol.species that throws) becomes a rejection, i.e. a refusal.
        new Promise<unknown>((adopt) => adopt(answer)).then(
          (value) => decide(() => (inTime() ? answered(extension, value) : late())),
          rejected,
        );
      } catch (error) {
        rejected(error);
      }
    });
  }

  private count(asker: object, delta: 1 | -1): void {
    this.pendingTotal += delta;
    const pending = (this.pendingByClient.get(asker) ?? 0) + delta;
    if (pending > 0) this.pendingByClient.set(asker, pending);
    else this.pendingByClient.delete(asker);
  }

  private refuse(extension: LoadedExtension, reason: string): false {
    this.fail(extension, escapeClientText(reason));
    return false;
  }
}

/** The verdict of an answer given in time; it counts towards the extension running clean again after a failure. */
function answered(extension: LoadedExtension, answer: unknown): boolean {
  // Only written while a failure waits for it: the common path just reads.
  if (extension.answeredSinceFailure === false) extension.answeredSinceFailure = true;
  return answer !== false;
}
