import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpAdapterHost } from '@nestjs/core';
import { first, Subject, type Observable } from 'rxjs';
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
 * `startup: 'auto'`: an HTTP app has started once it listens (every module's bootstrap hooks have
 * run by then); an application context, once bootstrapped.
 */
export function whenServing(host: HttpAdapterHost | undefined, started: () => void): void {
  if (!host?.httpAdapter || host.listening) return started();
  host.listen$.pipe(first()).subscribe(() => started());
}
