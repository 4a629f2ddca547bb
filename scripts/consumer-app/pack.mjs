// Packs the library as npm would publish it (`npm pack --workspace libs/health`, whose prepack builds it),
// lists the tarball and checks what it ships. Resolves npm's description of it plus `path`.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, run } from './processes.mjs';

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** Packs into `destination` (created); `root` is the monorepo. */
export async function pack(root, destination) {
  mkdirSync(destination);
  const args = ['pack', '--workspace', 'libs/health', '--pack-destination', destination, '--json'];
  const { code, output } = await run('npm', args, { cwd: root, timeoutMs: 180_000 });
  const json = output.slice(output.search(/^\[/m));
  check(code === 0 && json.startsWith('['), `npm pack failed (exit ${code}):\n${output}`);
  const [tarball] = JSON.parse(json.slice(0, json.lastIndexOf(']') + 1));
  const paths = tarball.files.map((file) => file.path);
  for (const file of tarball.files) console.log(`  ${String(file.size).padStart(7)}  ${file.path}`);
  const forbidden = paths.filter((path) => /\.tsbuildinfo$|\.map$|\.spec\.|-test-kit/.test(path));
  check(forbidden.length === 0, `the tarball ships build caches, source maps, specs or test kits:\n  ${forbidden.join('\n  ')}`);
  // Every file package.json points at (main, types, exports, bin) must be in the tarball.
  const manifest = readJson(join(root, 'libs/health/package.json'));
  const targets = JSON.stringify([manifest.main, manifest.types, manifest.exports, manifest.bin]).match(/"\.\/[^"*]+"/g) ?? [];
  const named = ['README.md', 'LICENSE', 'package.json', ...targets.map((target) => target.slice(3, -1))];
  const missing = [...new Set(named)].filter((path) => !paths.includes(path));
  check(missing.length === 0, `the tarball lacks ${missing.join(', ')}`);
  return { path: join(destination, tarball.filename), ...tarball };
}
