// The library's prepack/postpack (run by npm from libs/health, also on a fresh clone): builds dist,
// drops stale outputs whose source is gone, and lends the package the root README.md and LICENSE.
// `--post` removes those copies again. Installs nothing: TypeScript comes from the root node_modules.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const lib = join(root, 'libs', 'health');
const dist = join(lib, 'dist');
const src = join(lib, 'src');
const BUILD_INFO = 'tsconfig.lib.tsbuildinfo'; // must match tsBuildInfoFile in tsconfig.lib.json
// Copies, not sources: .gitignore lists them, so a stale one left by an interrupted pack is simply overwritten.
const LENT = ['README.md', 'LICENSE'];

function fail(message) {
  console.error(`prepack (nestjs-mqtt-health): ${message}`);
  process.exit(1);
}

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

function removeEmptyDirs(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeEmptyDirs(join(dir, entry.name));
  }
  if (dir !== dist && readdirSync(dir).length === 0) rmdirSync(dir);
}

if (process.argv.includes('--post')) {
  for (const name of LENT) rmSync(join(lib, name), { force: true });
  process.exit(0);
}

let tsc;
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  fail('TypeScript is not installed: run `npm install` at the repository root first.');
}
// tsc's diagnostics go to stderr: stdout is `npm pack --json`'s.
const build = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.lib.json'], { cwd: lib, stdio: ['ignore', 2, 2] });
if (build.status !== 0) fail(`tsc -b tsconfig.lib.json exited ${build.status ?? build.signal}`);

// Outputs of the current sources; anything else in dist (renamed modules, old source maps, specs) goes.
const expected = new Set([BUILD_INFO]);
for (const file of walk(src)) {
  const rel = relative(src, file);
  if (!rel.endsWith('.ts') || rel.endsWith('.d.ts') || /\.spec\.ts$|-test-kit\.ts$/.test(rel)) continue;
  const base = rel.slice(0, -'.ts'.length).split(sep).join('/');
  expected.add(`${base}.js`).add(`${base}.d.ts`);
}
const stale = walk(dist).filter((file) => !expected.has(relative(dist, file).split(sep).join('/')));
for (const file of stale) rmSync(file);
if (existsSync(dist)) removeEmptyDirs(dist);
if (stale.length > 0) console.error(`prepack (nestjs-mqtt-health): removed ${stale.length} stale file(s) from dist`);
if (!existsSync(join(dist, 'index.js'))) fail('the build produced no dist/index.js');

for (const name of LENT) {
  if (!existsSync(join(root, name))) fail(`${name} is missing at the repository root`);
  copyFileSync(join(root, name), join(lib, name));
}
