// The library's prepack/postpack (run by npm from libs/health, also on a fresh clone): builds its ES
// module build (dist) and its CommonJS build (cjs), drops stale outputs whose source is gone, and lends the package the root README.md and LICENSE.
// `--post` removes those copies again. Installs nothing: TypeScript comes from the root node_modules.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const lib = join(root, 'libs', 'health');
const src = join(lib, 'src');
// Each build: its tsconfig, its output folder, the build info file it keeps there (tsBuildInfoFile),
// the files of that folder that are sources (cjs/package.json makes the folder CommonJS), and the
// source folders it leaves out.
const BUILDS = [
  { config: 'tsconfig.lib.json', out: join(lib, 'dist'), keep: ['tsconfig.lib.tsbuildinfo'], skip: [] },
  { config: 'tsconfig.lib.cjs.json', out: join(lib, 'cjs'), keep: ['tsconfig.lib.cjs.tsbuildinfo', 'package.json'], skip: ['cli/'] },
];
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

function removeEmptyDirs(dir, top) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeEmptyDirs(join(dir, entry.name), top);
  }
  if (dir !== top && readdirSync(dir).length === 0) rmdirSync(dir);
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
for (const build of BUILDS) {
  // tsc's diagnostics go to stderr: stdout is `npm pack --json`'s.
  const result = spawnSync(process.execPath, [tsc, '-b', build.config], { cwd: lib, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) fail(`tsc -b ${build.config} exited ${result.status ?? result.signal}`);

  // Outputs of the current sources; anything else in the folder (renamed modules, old source maps, specs) goes.
  const expected = new Set(build.keep);
  for (const file of walk(src)) {
    const rel = relative(src, file).split(sep).join('/');
    if (!rel.endsWith('.ts') || rel.endsWith('.d.ts') || /\.spec\.ts$|-test-kit\.ts$/.test(rel)) continue;
    if (build.skip.some((folder) => rel.startsWith(folder))) continue;
    const base = rel.slice(0, -'.ts'.length);
    expected.add(`${base}.js`).add(`${base}.d.ts`);
  }
  const stale = walk(build.out).filter((file) => !expected.has(relative(build.out, file).split(sep).join('/')));
  for (const file of stale) rmSync(file);
  if (existsSync(build.out)) removeEmptyDirs(build.out, build.out);
  if (stale.length > 0)
    console.error(`prepack (nestjs-mqtt-health): removed ${stale.length} stale file(s) from ${relative(lib, build.out)}`);
  if (!existsSync(join(build.out, 'index.js'))) fail(`${build.config} produced no ${relative(lib, build.out)}/index.js`);
}

for (const name of LENT) {
  if (!existsSync(join(root, name))) fail(`${name} is missing at the repository root`);
  copyFileSync(join(root, name), join(lib, name));
}
