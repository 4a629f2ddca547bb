import { readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { Client, PublishPacket, Subscription } from 'aedes';
import type { ExtensionSource, ExtensionState } from 'nestjs-mqtt-health';
import { BROKER_CONFIG, type BrokerConfig } from '../config/index.js';
import { ExtensionAuthorizer } from './extension-authorizer.js';
import { describeError, ExtensionDeadlineError } from './extension-error.util.js';
import { ExtensionFilesWatcher } from './extension-files.watcher.js';
import { ExtensionHooks } from './extension-hooks.js';
import { ExtensionRunner } from './extension-runner.js';
import { defaultManifest, hasManifest, readManifest } from './extension.loader.js';
import { extensionState } from './extension-state.js';
import type { LoadedExtension } from './loaded-extension.interface.js';
import { strayRejections } from './stray-rejections.js';

/** What the host is busy with while the app closes, for the shutdown watchdog's message. */
export interface ExtensionHostWork {
  /** Extensions whose load or configure() is under way. */
  readonly starting: readonly string[];
  /** `stop()` of the host: not called yet, waiting for extensions' stop(), or done. */
  readonly stop: 'not called' | 'pending' | 'done';
  /** Extensions whose stop() has not settled. */
  readonly stopping: readonly string[];
}

/**
 * The demo's extension system: one folder per extension in EXTENSIONS_DIR with `extension.json`,
 * an entry module and `conf/config.json`. Hooks never throw into Aedes (that would kill the
 * process): an exception, a rejection or an answer later than EXTENSION_HOOK_TIMEOUT_MS refuses the
 * request and turns the extension DEGRADED (ExtensionHooks).
 * Config files are watched: a fixed config starts a failed extension, `enabled: false` stops one.
 * Loading and configure() run under EXTENSION_START_TIMEOUT_MS: a hung extension is reported, never waited for.
 */
@Injectable()
export class ExtensionHost implements ExtensionSource, BeforeApplicationShutdown {
  private readonly logger = new Logger('Extensions');
  private loaded: LoadedExtension[] = [];
  private readonly watcher = new ExtensionFilesWatcher((extension) => this.onChange(extension), this.logger);
  /** Aborted once the app closes: a start still waiting for an extension gives up at once. */
  private readonly closing = new AbortController();
  private readonly runner: ExtensionRunner;
  private readonly hooks: ExtensionHooks;
  private readonly authorizer: ExtensionAuthorizer;
  private stopState: ExtensionHostWork['stop'] = 'not called';
  private readonly disownRejections: () => void;

  constructor(@Inject(BROKER_CONFIG) private readonly config: BrokerConfig) {
    this.runner = new ExtensionRunner(config.extensionStartTimeoutMs, this.closing.signal, this.logger);
    this.hooks = new ExtensionHooks(config.extensionHookTimeoutMs, this.logger);
    this.authorizer = new ExtensionAuthorizer(this.hooks);
    this.disownRejections = strayRejections.addOwner((stack, reason) => this.ownRejection(stack, reason));
  }

  /** Whether any extension runs, i.e. whether hooks need calling at all. */
  get active(): boolean {
    return this.authorizer.active;
  }

  extensions(): readonly ExtensionState[] {
    return this.loaded.map((e) => extensionState(e, this.config.extensionFailureWindowMs));
  }

  async start(): Promise<void> {
    const dir = this.config.extensionsDir;
    if (!dir) return;
    const folders = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && hasManifest(join(dir, d.name)));
    for (const folder of folders) {
      const extension: LoadedExtension = { folder: join(dir, folder.name), manifest: defaultManifest(folder.name) };
      this.loaded.push(extension);
      try {
        extension.manifest = readManifest(extension.folder, folder.name);
      } catch (error) {
        extension.lastStartupFailure = `Extension startup prevented because of the following error: ${describeError(error)}`;
        this.logger.error(`${folder.name}: ${extension.lastStartupFailure}`);
      }
    }
    this.loaded.sort((a, b) => b.manifest['start-priority'] - a.manifest['start-priority']);
    for (const extension of this.loaded) {
      if (extension.manifest.enabled && !extension.lastStartupFailure) await this.startExtension(extension);
      // Shutting down before the broker started: it must not go on to bind its listeners.
      this.closing.signal.throwIfAborted();
      this.watcher.watch(extension);
    }
    this.rebuildChain();
    const ids = this.loaded.map((e) => `${e.manifest.id}${e.instance ? '' : ' (not running)'}`);
    this.logger.log(`extensions: ${ids.join(', ') || 'none'}`);
  }

  /** Nest calls it before the shutdown hooks: from now on nothing waits for an extension to start. */
  beforeApplicationShutdown(): void {
    this.closing.abort(new Error('the broker began shutting down while extensions were starting'));
  }

  /** Stops every extension; resolves once each stop() has settled. */
  async stop(): Promise<void> {
    this.watcher.unwatchAll();
    this.hooks.stop();
    this.disownRejections();
    this.authorizer.clear();
    this.stopState = 'pending';
    await Promise.all(this.loaded.map((extension) => this.stopExtension(extension)));
    this.stopState = 'done';
  }

  /** For the shutdown watchdog, which names what the host still waits for. */
  pendingWork(): ExtensionHostWork {
    return { starting: this.runner.starting, stop: this.stopState, stopping: this.runner.stopping };
  }

  authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    this.authorizer.authorizePublish(client, packet, callback);
  }

  authorizeSubscribe(
    client: Client,
    subscription: Subscription,
    callback: (error: Error | null, subscription?: Subscription | null) => void,
  ): void {
    this.authorizer.authorizeSubscribe(client, subscription, callback);
  }

  private async startExtension(extension: LoadedExtension): Promise<void> {
    // When the start began, as HiveMQ's started-at: shown for a failed start too, beside its reason.
    extension.startedAt = Date.now();
    try {
      const { instance, configuration } = await this.runner.start(extension, 'did not start');
      extension.configuration = configuration;
      extension.instance = instance;
      extension.reloadedAt = Date.now();
      extension.lastStartupFailure = extension.lastFailure = extension.lastConfigurationFailure = undefined;
      extension.lastFailureAt = extension.answeredSinceFailure = undefined;
      this.logger.log(`extension ${extension.manifest.id} ${extension.manifest.version} started`);
    } catch (error) {
      if (this.closing.signal.aborted) {
        extension.lastStartupFailure = 'start abandoned: the broker shut down first';
        return this.logger.warn(`extension ${extension.manifest.id}: ${extension.lastStartupFailure}`);
      }
      extension.lastStartupFailure = `Extension startup prevented because of the following error: ${describeError(error)}`;
      this.logger.error(`extension ${extension.manifest.id}: ${extension.lastStartupFailure}${advice(error)}`);
    }
  }

  /** Resolves once the instance's stop() has settled. */
  private stopExtension(extension: LoadedExtension): Promise<void> {
    const instance = extension.instance;
    extension.instance = undefined;
    extension.startedAt = undefined;
    return this.runner.stop(extension.manifest.id, instance);
  }

  /** Applies whatever changed on disk: enable/disable, a first successful start, or a new configuration. */
  private async onChange(extension: LoadedExtension): Promise<void> {
    if (!hasManifest(extension.folder)) return this.remove(extension);
    try {
      extension.manifest = readManifest(extension.folder, extension.manifest.id);
    } catch (error) {
      extension.lastConfigurationFailure = `invalid extension.json: ${describeError(error)}`;
      return;
    }
    if (!extension.manifest.enabled) {
      if (extension.instance) {
        void this.stopExtension(extension);
        this.logger.log(`extension ${extension.manifest.id} disabled`);
      }
      extension.lastStartupFailure = extension.startedAt = undefined;
    } else if (!extension.instance) {
      await this.startExtension(extension);
    } else {
      await this.reconfigure(extension);
    }
    this.rebuildChain();
  }

  /** The extension's folder is gone: stop it and forget it. */
  private remove(extension: LoadedExtension): void {
    void this.stopExtension(extension);
    this.watcher.unwatch(extension);
    this.loaded = this.loaded.filter((e) => e !== extension);
    this.rebuildChain();
    this.logger.log(`extension ${extension.manifest.id} removed`);
  }

  /** A new instance takes over only if it accepts the new configuration; otherwise the old one keeps running. */
  private async reconfigure(extension: LoadedExtension): Promise<void> {
    try {
      const { instance, configuration } = await this.runner.start(extension, 'configure() did not finish');
      const previous = extension.instance;
      extension.instance = instance;
      extension.configuration = configuration;
      extension.reloadedAt = Date.now();
      extension.lastConfigurationFailure = extension.lastFailure = undefined;
      extension.lastFailureAt = extension.answeredSinceFailure = undefined;
      void this.runner.stop(extension.manifest.id, previous);
      this.logger.log(`extension ${extension.manifest.id} reconfigured`);
    } catch (error) {
      extension.lastConfigurationFailure = `configuration rejected, previous one still in force: ${describeError(error)}`;
      this.logger.error(`extension ${extension.manifest.id}: ${extension.lastConfigurationFailure}${advice(error)}`);
    }
  }

  /** A rejection nobody handled whose stack runs through an extension's folder is that extension's failure. */
  private ownRejection(stack: string, reason: string): boolean {
    const extension = this.loaded.find((e) => stack.includes(`${pathToFileURL(e.folder).href}/`) || stack.includes(`${e.folder}${sep}`));
    if (!extension) return false;
    this.hooks.fail(extension, `a promise it left unhandled was rejected with ${reason}`);
    return true;
  }

  private rebuildChain(): void {
    this.authorizer.rebuild(this.loaded);
  }
}

/** What to do about a deadline; other failures say it in their own message. */
function advice(error: unknown): string {
  return error instanceof ExtensionDeadlineError ? '; fix what it waits for, or raise EXTENSION_START_TIMEOUT_MS' : '';
}
