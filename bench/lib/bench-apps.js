import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BENCH_DIST, READINESS_PATH, ROOT } from './settings.js';

/** tsc from node_modules run directly (what `npx tsc` would find), without npx's own start-up and registry fallback. */
export function compileBenchApps() {
  // From scratch, so a renamed or deleted app cannot linger in bench/dist.
  rmSync(BENCH_DIST, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const { status, error } = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'bench/tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
  if (error || status !== 0) throw new Error(`compiling bench/apps failed (${error?.message ?? `tsc exited ${status}`})`);
}

/** A misconfigured app (404, DOWN, wrong indicators) would make the throughput numbers meaningless. */
export async function verifyAnswer(server, expect) {
  const response = await fetch(server.url + READINESS_PATH, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const ok = typeof expect === 'function' ? expect(body) : JSON.stringify(body) === JSON.stringify(expect);
  if (response.status !== 200 || !ok) throw new Error(`bench app "${server.name}" answered ${response.status} ${text.slice(0, 300)}`);
}
