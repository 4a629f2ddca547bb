import { Logger } from '@nestjs/common';
import { describeError, escapeClientText } from './extension-error.util.js';
import { HookFailureLog } from './hook-failure-log.js';

/** Takes a rejection whose stack shows it came from one of its extensions; says whether it did. */
export type RejectionOwner = (stack: string, reason: string) => boolean;

/**
 * The broker's policy for a promise rejected with nobody to handle it: it is logged at error and the broker
 * carries on. Extension code runs on client input, so a stray rejection in it (`Promise.reject()` left
 * floating in a hook) would otherwise let any client end the process. When the rejection's stack runs through
 * an extension's folder, that extension turns DEGRADED with the reason, logged like its hook failures;
 * otherwise one line per interval, with a count, however many arrive. The reason is escaped: it may echo a
 * client's text. Uncaught synchronous exceptions still end the process.
 */
export class StrayRejections {
  private readonly log = new HookFailureLog(new Logger('Process'), 'unhandled rejections');
  private readonly owners = new Set<RejectionOwner>();

  /** Returns the function that stops asking `owner`. */
  addOwner(owner: RejectionOwner): () => void {
    this.owners.add(owner);
    return () => this.owners.delete(owner);
  }

  /** Never throws: it runs in the process's unhandledRejection handler. */
  report(rejection: unknown): void {
    try {
      const reason = escapeClientText(describeError(rejection));
      const stack = stackOf(rejection);
      if (stack) for (const owner of this.owners) if (owner(stack, reason)) return;
      this.log.report('unhandled rejection', `${reason}; the broker carries on`);
    } catch {
      // Nothing left to tell it with; the process must not end for it either.
    }
  }
}

function stackOf(rejection: unknown): string | undefined {
  try {
    const stack = (rejection as { stack?: unknown } | null)?.stack;
    return typeof stack === 'string' ? stack : undefined;
  } catch {
    return undefined;
  }
}

/** One per process, like its unhandledRejection handler. */
export const strayRejections = new StrayRejections();
