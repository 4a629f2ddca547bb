import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpAdapterHost } from '@nestjs/core';
import { first, Subject, type Observable } from 'rxjs';
import { CLOSING_WITHOUT_DRAIN } from '../errors/messages.js';
import type { HealthLifecycle } from '../model/health-snapshot.interface.js';

/** Where the app is in its life: started (startup complete) and draining (shutting down). */
export class Lifecycle {
  private state: HealthLifecycle = { started: false, draining: false };
  private drained?: Promise<void>;
  private readonly changes = new Subject<HealthLifecycle>();

  /** Every change, for whoever republishes readiness and startup (there may be no one yet). */
  readonly changes$: Observable<HealthLifecycle> = this.changes.asObservable();

  constructor(private readonly drainMs: number) {}

  get current(): HealthLifecycle {
    return this.state;
  }

  markStarted(): void {
    this.set({ started: true });
  }

  /**
   * What a closing app waits for: the drain, on a signal (Nest passes it when `enableShutdownHooks()`
   * closes the app) or when the app began it (`HealthService.drain()`). An explicit `app.close()` (a test
   * tearing down its app, an app closing on its own signal handler) closes at once, and with a drain
   * configured says so once through `warn`: a drain skipped in production should not go unnoticed.
   */
  beforeShutdown(signal: string | undefined, warn: (line: string) => void): Promise<void> {
    if (signal || this.state.draining) return this.drain();
    if (this.drainMs > 0) warn(CLOSING_WITHOUT_DRAIN(this.drainMs));
    return Promise.resolve();
  }

  /** Draining from now on; resolves after `drainMs`. Idempotent. */
  drain(): Promise<void> {
    if (!this.drained) {
      this.set({ draining: true });
      this.drained = this.drainMs > 0 ? sleep(this.drainMs, undefined, { ref: true }) : Promise.resolve();
    }
    return this.drained;
  }

  private set(change: Partial<HealthLifecycle>): void {
    const next = { ...this.state, ...change };
    if (next.started === this.state.started && next.draining === this.state.draining) return;
    this.state = next;
    this.changes.next(next);
  }
}

/**
 * `startup: 'auto'`: start-up is complete once nothing can ask a probe before the app is ready.
 * Without a port of its own (no dedicated listener, no agent-check port) the Health API answers only
 * through the app's server, which serves nothing before bootstrap: complete at bootstrap (so
 * `app.init()` in a test is enough). With one, those ports answer from bootstrap on: complete once the
 * app listens (every bootstrap hook has run by then). An application context completes at bootstrap.
 */
export function whenServing(host: HttpAdapterHost | undefined, ownPort: boolean, started: () => void): void {
  if (!ownPort || !host?.httpAdapter || host.listening) return started();
  host.listen$.pipe(first()).subscribe(() => started());
}
