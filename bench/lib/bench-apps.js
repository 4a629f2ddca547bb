import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BenchServer } from '../bench-server.js';
import { BENCH_DIST, ROOT, SERVER_ENTRY } from './settings.js';

/** tsc from node_modules run directly (what `npx tsc` would find), without npx's own start-up and registry fallback. */
export function compileBenchApps() {
  // From scratch, so a renamed or deleted app cannot linger in bench/dist.
  rmSync(BENCH_DIST, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const { status, error } = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'bench/tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
  if (error || status !== 0) throw new Error(`compiling bench/apps failed (${error?.message ?? `tsc exited ${status}`})`);
}

/** The bench apps in use, started on first use and closed together (or one by one with release()). */
export class Servers {
  #started = new Map();

  get(name, nodeArgs) {
    if (!this.#started.has(name)) this.#started.set(name, BenchServer.start(SERVER_ENTRY, name, nodeArgs));
    return this.#started.get(name);
  }

  async release(name) {
    const server = this.#started.get(name);
    this.#started.delete(name);
    await (await server)?.close();
  }

  async closeAll() {
    const all = [...this.#started.values()];
    this.#started.clear();
    await Promise.all(
      all.map((started) =>
        started.then(
          (server) => server.close(),
          () => undefined,
        ),
      ),
    );
  }
}

/** GET `url` once: status, body and headers. */
export async function get(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { statusCode: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

/** A misconfigured app (404, DOWN, wrong indicators) would make the throughput numbers meaningless. */
export async function verifyAnswer(name, url, expect) {
  const answer = await get(url);
  let json;
  try {
    json = JSON.parse(answer.body);
  } catch {
    json = undefined;
  }
  const ok =
    typeof expect === 'function' ? expect(json, answer) : answer.statusCode === 200 && JSON.stringify(json) === JSON.stringify(expect);
  if (!ok) throw new Error(`bench app "${name}" answered ${url} with ${answer.statusCode} ${answer.body.slice(0, 300)}`);
  return answer;
}

// node:http writes these itself (and the client does not send a body encoding).
const PER_CONNECTION = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/** Makes bare node:http answer `path` with the bytes the subject answered (its status, headers and body). */
export async function mirror(bare, path, answer) {
  const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !PER_CONNECTION.has(name)));
  await bare.mirror(path, { statusCode: answer.statusCode, headers, body: answer.body });
}
