// The published library must declare every package its built files import: inside the monorepo the
// root node_modules hides a missing one (prom-client was), and a fresh app then crashes on import.
// Reads both builds, libs/health/dist (ESM) and libs/health/cjs (CommonJS), and the entries in
// libs/health/entry; jest's globalSetup builds them.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const lib = fileURLToPath(new URL('../../libs/health/', import.meta.url));

interface Manifest {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** `@scope/name/deep/path.js` -> `@scope/name`; `name/sub` -> `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Bare specifiers (static and dynamic imports, re-exports, require calls) of the files, by package. */
function importedPackages(files: string[]): Map<string, string[]> {
  const byPackage = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:') || isBuiltin(specifier)) continue;
      const name = packageName(specifier);
      byPackage.set(name, [...(byPackage.get(name) ?? []), relative(lib, file)]);
    }
  }
  return byPackage;
}

describe('nestjs-mqtt-health package manifest', () => {
  const manifest = JSON.parse(readFileSync(join(lib, 'package.json'), 'utf8')) as Manifest;
  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  const files = ['dist', 'cjs', 'entry'].flatMap((folder) => (existsSync(join(lib, folder)) ? walk(join(lib, folder)) : []));

  it('has a built library to inspect', () => {
    for (const folder of ['dist', 'cjs']) expect(files.filter((file) => file.startsWith(join(lib, folder, 'index.js'))).length).toBe(1);
    expect(files.filter((file) => /entry.index\.(mjs|cjs)$/.test(file)).length).toBe(2);
  });

  it.each([
    ['JavaScript', '.js'],
    ['CommonJS entries', '.cjs'],
    ['ES module entries', '.mjs'],
    ['type declarations', '.d.ts'],
  ])('declares every package imported by its %s in dependencies or peerDependencies', (_kind, extension) => {
    const imported = importedPackages(files.filter((file) => file.endsWith(extension)));
    const undeclared = [...imported]
      .filter(([name]) => !declared.has(name))
      .map(([name, importers]) => `${name} (imported by ${[...new Set(importers)].slice(0, 3).join(', ')})`);
    expect(undeclared).toEqual([]);
  });

  it('needs no @nestjs/terminus: an optional peer that no built file or entry imports, nor any type refers to', () => {
    expect(manifest.peerDependencies?.['@nestjs/terminus']).toBe('^11.0.0 || ^12.0.0');
    expect(manifest.peerDependenciesMeta?.['@nestjs/terminus']).toEqual({ optional: true });
    const built = files.filter((file) => /\.(js|cjs|mjs|d\.ts)$/.test(file));
    expect(built.length).toBeGreaterThan(300);
    expect(importedPackages(built).get('@nestjs/terminus')).toBeUndefined();
  });

  it('finds the imports it checks (the scan is not vacuous)', () => {
    const imported = importedPackages(files.filter((file) => file.endsWith('.js')));
    expect([...imported.keys()]).toEqual(expect.arrayContaining(['@nestjs/common', 'prom-client']));
  });
});
