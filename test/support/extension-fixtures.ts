import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './processes.js';

/** Writes one extension folder as the demo broker loads it: extension.json, index.js and conf/config.json. */
export function writeExtension(root: string, id: string, source: string, config: unknown = {}): void {
  mkdirSync(join(root, id, 'conf'), { recursive: true });
  const manifest = { id, name: id, version: '0.1.0', author: 'test', priority: 10, 'start-priority': 10, enabled: true };
  writeFileSync(join(root, id, 'extension.json'), JSON.stringify(manifest));
  writeFileSync(join(root, id, 'index.js'), source);
  writeFileSync(join(root, id, 'conf', 'config.json'), JSON.stringify(config));
}

/**
 * `(id, source) => folder`: writes one extension into a fresh temporary folder (named from `prefix`)
 * and returns that folder, for EXTENSIONS_DIR; each folder joins `dirs`, which the spec removes afterwards.
 */
export function extensionFolders(dirs: { remove(): void }[], prefix: string): (id: string, source: string) => string {
  return (id, source) => {
    const dir = tempDir(prefix);
    dirs.push(dir);
    writeExtension(dir.path, id, source);
    return dir.path;
  };
}
