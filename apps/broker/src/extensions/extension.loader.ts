import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrokerExtension, BrokerExtensionFactory, ExtensionManifest } from './extension.interface.js';

export function manifestPath(folder: string): string {
  return join(folder, 'extension.json');
}

export function configPath(folder: string): string {
  return join(folder, 'conf', 'config.json');
}

/** A folder without extension.json is not an extension, or no longer one once the file is gone. */
export function hasManifest(folder: string): boolean {
  try {
    return statSync(manifestPath(folder)).isFile();
  } catch {
    return false;
  }
}

export function readManifest(folder: string, fallbackId: string): ExtensionManifest {
  const raw = JSON.parse(readFileSync(manifestPath(folder), 'utf8')) as Partial<ExtensionManifest>;
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

/** Used until extension.json is read, and for an extension whose extension.json cannot be read. */
export function defaultManifest(id: string): ExtensionManifest {
  return { id, name: id, version: '0.0.0', author: 'unknown', priority: 0, 'start-priority': 0, enabled: true, main: 'index.js' };
}

/** Imports the entry module and calls its factory; throws when the module does not follow the extension contract. */
export async function instantiateExtension(folder: string, main: string): Promise<BrokerExtension> {
  const module = (await import(pathToFileURL(join(folder, main)).href)) as { default?: unknown };
  if (typeof module.default !== 'function') throw new Error(`${main} must default-export a factory function () => extension`);
  const instance = (module.default as BrokerExtensionFactory)();
  if (typeof instance?.configure !== 'function') throw new Error(`the factory in ${main} must return an object with configure(config)`);
  return instance;
}

/** Returns the facts configure() reports; throws when conf/config.json is unreadable or configure() rejects it. */
export async function readConfigAndApply(folder: string, instance: BrokerExtension): Promise<Record<string, unknown>> {
  const config: unknown = JSON.parse(readFileSync(configPath(folder), 'utf8'));
  return (await instance.configure(config)) ?? {};
}
