import { Logger } from '@nestjs/common';
import type { ExtensionHostWork } from '../extensions/extension-host.service.js';
import { blockedLoopWatchdog } from './blocked-loop.watchdog.js';

/** What a step of the shutdown is waiting for, as far as main.ts can observe it. */
export interface ShutdownFacts {
  /** Steps main.ts tracks ('create the app', 'drain', 'broker start', 'app.close()') that have not settled. */
  readonly pending: readonly string[];
  readonly extensions?: ExtensionHostWork;
}

/**
 * Ends the process once the shutdown outlasts DRAIN_MS + SHUTDOWN_TIMEOUT_MS, whatever hangs, and
 * says on one line what was still pending. Its timer is deliberately ref'd: it must fire. If this
 * thread is blocked when it should, the watchdog thread (blocked-loop.worker.ts) ends the process.
 */
export class ShutdownWatchdog {
  private readonly logger = new Logger('Shutdown');
  private readonly pending = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly drainMs: number,
    private readonly shutdownTimeoutMs: number,
    private readonly extensions: () => ExtensionHostWork | undefined,
  ) {}

  /** Idempotent: the deadline runs from the first call (the first signal). */
  start(): void {
    // The watchdog thread keeps the same deadline if this thread is blocked when it passes.
    blockedLoopWatchdog.shutdownStarted();
    this.timer ??= setTimeout(() => this.expire(), this.drainMs + this.shutdownTimeoutMs);
  }

  /** `step` is pending until `work` settles. */
  track(step: string, work: Promise<unknown>): void {
    this.pending.add(step);
    const done = () => this.pending.delete(step);
    work.then(done, done);
  }

  private expire(): void {
    const steps = describePending({ pending: [...this.pending], extensions: this.extensions() });
    this.logger.error(
      `shutdown deadline (${this.drainMs + this.shutdownTimeoutMs} ms: DRAIN_MS ${this.drainMs} + SHUTDOWN_TIMEOUT_MS ` +
        `${this.shutdownTimeoutMs}) passed; still pending: ${steps.join('; ') || 'nothing observable'}; exiting with code 1. ` +
        `Find out what hangs, or raise SHUTDOWN_TIMEOUT_MS.`,
    );
    process.exit(1);
  }
}

/** Names each pending step, down to the extension host's step when that is what the broker waits for. */
export function describePending({ pending, extensions }: ShutdownFacts): string[] {
  // Steps without a better description (the app still being created, say) are named as tracked.
  const steps = pending.filter((step) => !['drain', 'broker start', 'app.close()'].includes(step));
  const starting = extensions?.starting.length ? ` (waiting for extension ${extensions.starting.join(', ')} to start)` : '';
  if (pending.includes('drain')) steps.push('drain (DRAIN_MS)');
  if (pending.includes('broker start')) steps.push(`broker start${starting}`);
  if (!pending.includes('app.close()')) return steps;
  let inside = 'the app did not finish closing';
  if (extensions?.stop === 'pending') inside += `: stop extensions (${extensions.stopping.join(', ') || 'stop()'} not settled)`;
  else if (extensions?.stop === 'done') inside += ': close storage and the Health API listeners';
  else if (!pending.includes('drain') && !pending.includes('broker start'))
    inside += ': close the broker (leave the cluster, disconnect clients, close listeners)';
  steps.push(inside);
  return steps;
}
