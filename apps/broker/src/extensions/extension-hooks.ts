import type { Logger } from '@nestjs/common';
import { describeError, escapeClientText } from './extension-error.util.js';
import type { BrokerExtension } from './extension.interface.js';
import { HookFailureLog } from './hook-failure-log.js';
import type { LoadedExtension } from './loaded-extension.interface.js';

export type HookName = 'authorizePublish' | 'authorizeSubscribe';

/** A plain verdict when the hook answered with a plain value, so the common path stays synchronous; a promise otherwise. */
export type HookVerdict = boolean | Promise<boolean>;

/**
 * Calls extensions' hooks and turns what they do into a verdict: `false`, or a promise of it, refuses;
 * anything else allows. A throw, a rejection, or an answer later than EXTENSION_HOOK_TIMEOUT_MS refuses too
 * and turns the extension DEGRADED with the reason, escaped (it often echoes a client's topic or id).
 * Lateness is judged by the clock when the answer arrives, not only by a timer: a hook that holds the event
 * loop (a synchronous busy loop) delays every timer, and its answer must still count as late.
 */
export class ExtensionHooks {
  private readonly failures: HookFailureLog;

  constructor(
    private readonly timeoutMs: number,
    logger: Logger,
  ) {
    this.failures = new HookFailureLog(logger);
  }

  ask(extension: LoadedExtension, hook: HookName, instance: BrokerExtension, call: (instance: BrokerExtension) => unknown): HookVerdict {
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
    if (!pending) return answer !== false;
    return this.settled(extension, hook, answer as PromiseLike<unknown>, startedAt);
  }

  /** Drops failure counts not logged yet. */
  stop(): void {
    this.failures.stop();
  }

  private settled(extension: LoadedExtension, hook: HookName, answer: PromiseLike<unknown>, startedAt: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let decided = false;
      const decide = (verdict: () => boolean) => {
        if (decided) return;
        decided = true;
        clearTimeout(timer);
        resolve(verdict());
      };
      const late = () => this.refuse(extension, `${hook} did not settle within ${this.timeoutMs} ms (EXTENSION_HOOK_TIMEOUT_MS)`);
      const timer = setTimeout(() => decide(late), this.timeoutMs - (performance.now() - startedAt));
      const inTime = () => performance.now() - startedAt <= this.timeoutMs;
      // Promise.resolve adopts any thenable, and turns a `then` that throws into a rejection.
      Promise.resolve(answer).then(
        (value) => decide(() => (inTime() ? value !== false : late())),
        (error: unknown) => decide(() => (inTime() ? this.refuse(extension, `${hook} rejected with ${describeError(error)}`) : late())),
      );
    });
  }

  private refuse(extension: LoadedExtension, reason: string): false {
    const escaped = escapeClientText(reason);
    extension.lastFailure = escaped;
    this.failures.report(extension.manifest.id, escaped);
    return false;
  }
}
