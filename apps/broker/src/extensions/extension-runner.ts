import type { Logger } from '@nestjs/common';
import { blockedLoopWatchdog } from '../lifecycle/blocked-loop.watchdog.js';
import { withinDeadline } from './extension-deadline.js';
import { describeError } from './extension-error.util.js';
import type { BrokerExtension } from './extension.interface.js';
import { instantiateExtension, readConfigAndApply } from './extension.loader.js';
import type { LoadedExtension } from './loaded-extension.interface.js';

const DISABLE = 'Fix what it does synchronously, or disable it ("enabled": false in its extension.json).';

export interface StartedInstance {
  readonly instance: BrokerExtension;
  readonly configuration: Record<string, unknown>;
}

/** Creates and stops extension instances: loading and configure() under the deadline, stop() awaited, failures logged. */
export class ExtensionRunner {
  private readonly startingIds = new Set<string>();
  private readonly stoppingIds: string[] = [];

  constructor(
    private readonly timeoutMs: number,
    /** Aborted when the app closes: nothing waits for a start any more. */
    private readonly closing: AbortSignal,
    private readonly logger: Logger,
  ) {}

  /** Extensions whose load or configure() is under way. */
  get starting(): string[] {
    return [...this.startingIds];
  }

  /** Extensions whose stop() has not settled. */
  get stopping(): string[] {
    return [...new Set(this.stoppingIds)];
  }

  /** A new, configured instance within the deadline; one that finishes too late is stopped, never used. */
  start(extension: LoadedExtension, what: string): Promise<StartedInstance> {
    const { id } = extension.manifest;
    // A start that blocks the event loop cannot be timed out from it: the watchdog thread ends the process.
    const disarm = blockedLoopWatchdog.arm(
      `extension ${id} (its load or configure())`,
      this.timeoutMs,
      'EXTENSION_START_TIMEOUT_MS',
      DISABLE,
    );
    const work = (async () => {
      const instance = await instantiateExtension(extension.folder, extension.manifest.main);
      return { instance, configuration: await readConfigAndApply(extension.folder, instance) };
    })();
    this.startingIds.add(id);
    const late = ({ instance }: StartedInstance) => {
      this.logger.warn(`extension ${id} finished starting after its deadline and was stopped; change its configuration to start it again`);
      void this.stop(id, instance);
    };
    return withinDeadline(work, this.timeoutMs, what, this.closing, late).finally(() => {
      this.startingIds.delete(id);
      disarm();
    });
  }

  /** Resolves once the instance's stop() has settled; a throw or a rejection is logged, never raised. */
  async stop(id: string, instance: BrokerExtension | undefined): Promise<void> {
    if (!instance?.stop) return;
    this.stoppingIds.push(id);
    try {
      await instance.stop();
    } catch (error) {
      this.logger.warn(`extension ${id}: stop() threw ${describeError(error)}`);
    } finally {
      this.stoppingIds.splice(this.stoppingIds.indexOf(id), 1);
    }
  }
}
