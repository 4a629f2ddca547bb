import { Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { HealthEngine } from './engine/health-engine.js';
import { HealthFleet } from './fleet/health-fleet.js';
import type { FleetSnapshot, FleetSource } from './model/fleet.interface.js';
import type { HealthSnapshot, HealthTransition } from './model/health-snapshot.interface.js';
import { AgentCheckServer } from './transports/agent-check.server.js';
import { HealthListeners, type BoundListener } from './transports/health-listeners.js';

/** The public face of the module inside an app: read the state, watch it change, force a refresh. */
@Injectable()
export class HealthService {
  constructor(
    private readonly engine: HealthEngine,
    private readonly fleetState: HealthFleet,
    private readonly httpListeners: HealthListeners,
    private readonly agentCheck: AgentCheckServer,
  ) {}

  /**
   * The fleet's members come from `source` from now on (the app's shared store: Redis in the demo), and
   * this node's summary goes to it each time it changes. Without a source the fleet is this node alone.
   */
  useFleet(source: FleetSource): void {
    this.fleetState.use(source);
  }

  /** The fleet as this node sees it: every member's summary and status, and the verdict. From memory. */
  fleet(): FleetSnapshot {
    return this.fleetState.current();
  }

  /** Each new state of the fleet, once per change (a member's status or summary, the verdict). */
  get fleet$(): Observable<FleetSnapshot> {
    return this.fleetState.changes$;
  }

  /** The latest snapshot (stale-aware: DOWN everywhere if the refresher stopped). */
  snapshot(): HealthSnapshot {
    return this.engine.current();
  }

  /** Status transitions of components and groups; one event per change, never per probe. */
  get changes$(): Observable<HealthTransition> {
    return this.engine.changes$;
  }

  /**
   * Runs every check now, whatever its interval, and resolves with the snapshot of their results. The run
   * starts after the call (after a background run under way has settled), so what changed before is in it:
   * `db.fail(); await health.refresh()` reads DOWN. Concurrent calls share one run.
   */
  async refresh(): Promise<HealthSnapshot> {
    return this.engine.refreshNow(); // async: before the module is initialised it rejects, never throws
  }

  /**
   * Start-up is complete (listeners bound, storage open, cluster joined): the startup group and readiness
   * follow their members from now on. Required with `startup: 'manual'`; with `'auto'` it completes start-up
   * early, e.g. in a test that calls `app.init()` but not `listen()` on an app whose Health API has a port of its own.
   * With `'manual'` the members are checked once more first, and start-up completes with that run; the promise
   * resolves once it has (awaiting it is optional).
   */
  markStartupComplete(): Promise<void> {
    return this.engine.markStarted();
  }

  /**
   * Readiness OUT_OF_SERVICE (draining) from now on; resolves after `drainMs`. Idempotent. The module drains
   * by itself when a signal closes the app (`app.enableShutdownHooks()`); an app that handles the signal
   * itself calls this before `app.close()`, which then waits for the drain. A plain `app.close()` (a test
   * tearing down its app) does not drain.
   */
  drain(): Promise<void> {
    return this.engine.drain();
  }

  get isDraining(): boolean {
    return this.engine.draining;
  }

  /** The dedicated listeners and where they are bound (the real port when 0 was configured). */
  listeners(): BoundListener[] {
    return this.httpListeners.bound();
  }

  /** The HAProxy agent-check port (the real one when 0 was configured); undefined when disabled. */
  agentCheckPort(): number | undefined {
    return this.agentCheck.port;
  }
}
