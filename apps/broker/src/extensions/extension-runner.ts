import type { Logger } from '@nestjs/common';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
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
    // A block by other code meanwhile (another extension's hook) is not this start's: only its own ends the process.
    const deadline = blockedLoopWatchdog.arm({
      what: `extension ${id} (its load or configure())`,
      ms: this.timeoutMs,
      variable: 'EXTENSION_START_TIMEOUT_MS',
      advice: DISABLE,
      owner: folderUrl(extension.folder),
    });
    const work = (async () => {
      const instance = await instantiateExtension(extension.folder, extension.manifest.main);
      const configuring = { configure: (config: unknown) => deadline.run(() => instance.configure(config)) } as BrokerExtension;
      return { instance, configuration: await readConfigAndApply(extension.folder, configuring) };
    })();
    this.startingIds.add(id);
    const late = ({ instance }: StartedInstance) => {
      this.logger.warn(`extension ${id} finished starting after its deadline and was stopped; change its configuration to start it again`);
      void this.stop(id, instance);
    };
    return withinDeadline(work, this.timeoutMs, what, this.closing, late).finally(() => {
      this.startingIds.delete(id);
      deadline.disarm();
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

/** The URL prefix of the extension's modules as the module loader names them (symbolic links resolved). */
function folderUrl(folder: string): string {
  let real = folder;
  try {
    real = realpathSync(folder);
  } catch {
    // Gone meanwhile: its start fails on its own.
  }
  return `${pathToFileURL(real).href}/`;
}
