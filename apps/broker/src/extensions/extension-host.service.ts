import { readdirSync, readFileSync, statSync, unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Client, PublishPacket, Subscription } from 'aedes';
import type { ExtensionSource, ExtensionState } from 'nestjs-mqtt-health';
import { BROKER_CONFIG, type BrokerConfig } from '../config/index.js';
import type { BrokerExtension, BrokerExtensionFactory, ExtensionManifest } from './extension.interface.js';

/** How often extension.json and conf/config.json are polled (polling survives editors' atomic renames). */
const WATCH_INTERVAL_MS = 500;

interface LoadedExtension {
  readonly folder: string;
  manifest: ExtensionManifest;
  instance?: BrokerExtension;
  startedAt?: number;
  reloadedAt?: number;
  configuration?: Record<string, unknown>;
  lastStartupFailure?: string;
  lastFailure?: string;
  lastConfigurationFailure?: string;
}

/**
 * The demo's extension system: one folder per extension in EXTENSIONS_DIR with `extension.json`,
 * an entry module and `conf/config.json`. Hooks never throw into Aedes (that would kill the
 * process): an exception is caught, refuses the request, and turns the extension DEGRADED.
 * Config files are watched: a fixed config starts a failed extension, `enabled: false` stops one.
 */
@Injectable()
export class ExtensionHost implements ExtensionSource {
  private readonly logger = new Logger('Extensions');
  private loaded: LoadedExtension[] = [];
  /** Started extensions in hook order (priority, highest first). */
  private chain: LoadedExtension[] = [];
  private readonly applying = new WeakMap<LoadedExtension, Promise<void>>();
  private readonly watched: string[] = [];

  constructor(@Inject(BROKER_CONFIG) private readonly config: BrokerConfig) {}

  /** Whether any extension runs, i.e. whether hooks need calling at all. */
  get active(): boolean {
    return this.chain.length > 0;
  }

  extensions(): readonly ExtensionState[] {
    return this.loaded.map((e) => ({
      id: e.manifest.id,
      name: e.manifest.name,
      version: e.manifest.version,
      author: e.manifest.author,
      priority: e.manifest.priority,
      startPriority: e.manifest['start-priority'],
      enabled: e.manifest.enabled,
      started: e.instance !== undefined,
      startedAt: e.startedAt,
      lastStartupFailure: e.lastStartupFailure,
      lastFailure: e.lastFailure,
      lastConfigurationFailure: e.lastConfigurationFailure,
      reloadedAt: e.reloadedAt,
      configuration: e.configuration,
    }));
  }

  async start(): Promise<void> {
    const dir = this.config.extensionsDir;
    if (!dir) return;
    const folders = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && exists(join(dir, d.name, 'extension.json')));
    for (const folder of folders) {
      const extension: LoadedExtension = { folder: join(dir, folder.name), manifest: defaultManifest(folder.name) };
      this.loaded.push(extension);
      try {
        extension.manifest = readManifest(extension.folder, folder.name);
      } catch (error) {
        extension.lastStartupFailure = `Extension startup prevented because of the following error: ${describe(error)}`;
        this.logger.error(`${folder.name}: ${extension.lastStartupFailure}`);
      }
    }
    this.loaded.sort((a, b) => b.manifest['start-priority'] - a.manifest['start-priority']);
    for (const extension of this.loaded) {
      if (extension.manifest.enabled && !extension.lastStartupFailure) await this.startExtension(extension);
      this.watch(extension);
    }
    this.rebuildChain();
    const ids = this.loaded.map((e) => `${e.manifest.id}${e.instance ? '' : ' (not running)'}`);
    this.logger.log(`extensions: ${ids.join(', ') || 'none'}`);
  }

  async stop(): Promise<void> {
    for (const path of this.watched) unwatchFile(path);
    for (const extension of this.loaded) this.stopExtension(extension);
    this.chain = [];
  }

  authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    if (this.chain.length === 0) return callback(null);
    const { topic, payload, qos, retain } = packet;
    const view = { topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos, retain };
    for (const extension of this.chain) {
      const hook = extension.instance?.authorizePublish;
      if (!hook) continue;
      const allowed = this.runHook(extension, 'authorizePublish', () => hook.call(extension.instance, client && { id: client.id }, view));
      if (!allowed) return callback(new Error(`publish to ${packet.topic} refused by extension ${extension.manifest.id}`));
    }
    callback(null);
  }

  authorizeSubscribe(client: Client, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
    for (const extension of this.chain) {
      const hook = extension.instance?.authorizeSubscribe;
      if (!hook) continue;
      const allowed = this.runHook(extension, 'authorizeSubscribe', () => hook.call(extension.instance, { id: client.id }, subscription));
      if (!allowed) return callback(null, null);
    }
    callback(null, subscription);
  }

  /** A hook's verdict; an exception counts as a refusal and is recorded on the extension. */
  private runHook(extension: LoadedExtension, name: string, hook: () => boolean | void): boolean {
    try {
      return hook() !== false;
    } catch (error) {
      extension.lastFailure = `${name} threw ${describe(error)}`;
      this.logger.error(`extension ${extension.manifest.id}: ${extension.lastFailure}`);
      return false;
    }
  }

  private async startExtension(extension: LoadedExtension): Promise<void> {
    try {
      const instance = await this.instantiate(extension);
      extension.configuration = readConfigAndApply(extension.folder, instance);
      extension.instance = instance;
      extension.startedAt = extension.reloadedAt = Date.now();
      extension.lastStartupFailure = extension.lastFailure = extension.lastConfigurationFailure = undefined;
      this.logger.log(`extension ${extension.manifest.id} ${extension.manifest.version} started`);
    } catch (error) {
      extension.lastStartupFailure = `Extension startup prevented because of the following error: ${describe(error)}`;
      this.logger.error(`extension ${extension.manifest.id}: ${extension.lastStartupFailure}`);
    }
  }

  private stopExtension(extension: LoadedExtension): void {
    const instance = extension.instance;
    extension.instance = undefined;
    extension.startedAt = undefined;
    try {
      instance?.stop?.();
    } catch (error) {
      this.logger.warn(`extension ${extension.manifest.id}: stop() threw ${describe(error)}`);
    }
  }

  private async instantiate(extension: LoadedExtension): Promise<BrokerExtension> {
    const module = (await import(pathToFileURL(join(extension.folder, extension.manifest.main)).href)) as { default?: unknown };
    if (typeof module.default !== 'function') throw new Error(`${extension.manifest.main} must default-export a factory function () => extension`);
    const instance = (module.default as BrokerExtensionFactory)();
    if (typeof instance?.configure !== 'function') throw new Error(`the factory in ${extension.manifest.main} must return an object with configure(config)`);
    return instance;
  }

  private watch(extension: LoadedExtension): void {
    for (const path of [join(extension.folder, 'extension.json'), join(extension.folder, 'conf', 'config.json')]) {
      watchFile(path, { interval: WATCH_INTERVAL_MS }, () => this.queueChange(extension));
      this.watched.push(path);
    }
  }

  /** One extension's file events are applied one after another, so two quick edits cannot start it twice. */
  private queueChange(extension: LoadedExtension): void {
    const previous = this.applying.get(extension) ?? Promise.resolve();
    const next = previous
      .then(() => this.onChange(extension))
      .catch((error: unknown) => this.logger.error(`extension ${extension.manifest.id}: applying a change failed: ${describe(error)}`));
    this.applying.set(extension, next);
  }

  /** Applies whatever changed on disk: enable/disable, a first successful start, or a new configuration. */
  private async onChange(extension: LoadedExtension): Promise<void> {
    if (!exists(join(extension.folder, 'extension.json'))) return this.remove(extension);
    try {
      extension.manifest = readManifest(extension.folder, extension.manifest.id);
    } catch (error) {
      extension.lastConfigurationFailure = `invalid extension.json: ${describe(error)}`;
      return;
    }
    if (!extension.manifest.enabled) {
      if (extension.instance) {
        this.stopExtension(extension);
        this.logger.log(`extension ${extension.manifest.id} disabled`);
      }
      extension.lastStartupFailure = undefined;
    } else if (!extension.instance) {
      await this.startExtension(extension);
    } else {
      await this.reconfigure(extension);
    }
    this.rebuildChain();
  }

  /** The extension's folder is gone: stop it and forget it. */
  private remove(extension: LoadedExtension): void {
    this.stopExtension(extension);
    for (const path of [join(extension.folder, 'extension.json'), join(extension.folder, 'conf', 'config.json')]) unwatchFile(path);
    this.loaded = this.loaded.filter((e) => e !== extension);
    this.rebuildChain();
    this.logger.log(`extension ${extension.manifest.id} removed`);
  }

  /** A new instance takes over only if it accepts the new configuration; otherwise the old one keeps running. */
  private async reconfigure(extension: LoadedExtension): Promise<void> {
    try {
      const instance = await this.instantiate(extension);
      const configuration = readConfigAndApply(extension.folder, instance);
      const previous = extension.instance;
      extension.instance = instance;
      extension.configuration = configuration;
      extension.reloadedAt = Date.now();
      extension.lastConfigurationFailure = extension.lastFailure = undefined;
      previous?.stop?.();
      this.logger.log(`extension ${extension.manifest.id} reconfigured`);
    } catch (error) {
      extension.lastConfigurationFailure = `configuration rejected, previous one still in force: ${describe(error)}`;
      this.logger.error(`extension ${extension.manifest.id}: ${extension.lastConfigurationFailure}`);
    }
  }

  private rebuildChain(): void {
    this.chain = this.loaded.filter((e) => e.instance).sort((a, b) => b.manifest.priority - a.manifest.priority);
  }
}

function readManifest(folder: string, fallbackId: string): ExtensionManifest {
  const raw = JSON.parse(readFileSync(join(folder, 'extension.json'), 'utf8')) as Partial<ExtensionManifest>;
  const manifest = { ...defaultManifest(fallbackId), ...raw };
  for (const key of ['id', 'name', 'version', 'author', 'main'] as const) {
    if (typeof manifest[key] !== 'string' || !manifest[key]) throw new Error(`extension.json: "${key}" must be a non-empty string`);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(manifest.id)) throw new Error('extension.json: "id" may only hold letters, digits, ".", "_" and "-"');
  for (const key of ['priority', 'start-priority'] as const) {
    if (!Number.isInteger(manifest[key])) throw new Error(`extension.json: "${key}" must be an integer`);
  }
  if (typeof manifest.enabled !== 'boolean') throw new Error('extension.json: "enabled" must be true or false');
  return manifest;
}

function defaultManifest(id: string): ExtensionManifest {
  return { id, name: id, version: '0.0.0', author: 'unknown', priority: 0, 'start-priority': 0, enabled: true, main: 'index.js' };
}

function readConfigAndApply(folder: string, instance: BrokerExtension): Record<string, unknown> {
  const path = join(folder, 'conf', 'config.json');
  const config: unknown = JSON.parse(readFileSync(path, 'utf8'));
  return instance.configure(config) ?? {};
}

function exists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
