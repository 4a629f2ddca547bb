import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port nobody listens on right now (127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `count` distinct free ports, none of them in `taken` (ports already handed to the same process). */
export async function freePorts(count: number, taken: Iterable<number> = []): Promise<number[]> {
  const avoid = new Set(taken);
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = await freePort();
    if (!avoid.has(port)) ports.add(port);
  }
  return [...ports];
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Polls `probe` until it returns something truthy; throws with the last value after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | Promise<T>, timeoutMs: number, what: string, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${describe(last)}`);
    await sleep(everyMs);
  }
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Whether an external binary the tests start is installed; on CI a missing one fails the run. */
export function hasBinary(name: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
  if (!found) {
    if (process.env.CI === 'true') throw new Error(`${name} is required on CI (installed by .ci/run) but is not on PATH`);
    console.warn(`\n${'!'.repeat(72)}\n!! ${name} is not installed: SKIPPING the tests that need it (they run on CI)\n${'!'.repeat(72)}\n`);
  }
  return found;
}

/** Every child a test file started that has not exited yet. */
const LIVE_CHILDREN = new Set<ChildHandle>();

/**
 * Whatever a test forgot (an assertion that failed before its stop(), a handle overwritten), its children end
 * with the test file: SIGTERM, then SIGKILL after 5 s, newest first. A child left running would keep Jest alive.
 */
async function stopLeftoverChildren(): Promise<void> {
  for (const handle of [...LIVE_CHILDREN].reverse()) {
    if (!handle.running) continue;
    handle.child.kill('SIGTERM');
    const ended = await Promise.race([
      handle.exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(resolve, 5_000, false).unref()),
    ]);
    if (!ended) await handle.kill();
  }
}
// Registered from here, so every test file that starts children gets it without asking.
const registerAfterAll = (globalThis as { afterAll?: (hook: () => Promise<void>, timeoutMs?: number) => void }).afterAll;
registerAfterAll?.(stopLeftoverChildren, 60_000);

/** A child process that is killed when the test file ends, whatever happened. */
export class ChildHandle {
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    LIVE_CHILDREN.add(this);
    child.once('exit', () => LIVE_CHILDREN.delete(this));
    child.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get log(): string {
    return this.output.join('');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  async kill(): Promise<void> {
    await this.stop('SIGKILL');
  }
}

/** Resolves with the exit code (-1 for a signal), or 'still running' (and kills the process) after `ms`. */
export async function exitWithin(handle: ChildHandle, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((done) => (timer = setTimeout(() => done('still running'), ms)));
  const result = await Promise.race([handle.exited, late]);
  clearTimeout(timer);
  if (result === 'still running') await handle.kill();
  return result;
}

/** A throwaway redis-server on 127.0.0.1 with persistence off. */
export class RedisServer {
  private handle?: ChildHandle;
  /** Holds the port while the server is down, so another test's server cannot take it meanwhile. */
  private tombstone?: Server;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => (this.tombstone ? this.tombstone.close(() => resolve()) : resolve()));
    this.tombstone = undefined;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'pipe',
    });
    this.handle = new ChildHandle(child);
    await waitFor(() => this.handle!.log.includes('Ready to accept connections') || !this.handle!.running, 10_000, 'redis-server to start');
    if (!this.handle.running) throw new Error(`redis-server exited:\n${this.handle.log}`);
  }

  /** Kills it; its port keeps refusing to speak Redis until start() (clients see a dead server, never another one). */
  async kill(): Promise<void> {
    await this.handle?.kill();
    if (this.tombstone) return;
    const tombstone = createServer((socket) => socket.destroy());
    tombstone.unref();
    await new Promise<void>((resolve) => {
      tombstone.once('error', () => resolve());
      tombstone.listen(this.port, '127.0.0.1', () => resolve());
    });
    if (tombstone.listening) this.tombstone = tombstone;
  }

  /** SIGSTOP: connections stay open and nothing answers, as a hung server. */
  pause(): void {
    this.handle?.child.kill('SIGSTOP');
  }

  resume(): void {
    this.handle?.child.kill('SIGCONT');
  }
}

/** What HAProxy reads from an agent-check port: it sends `<backend>/<server>`, the agent answers one line and closes. */
export function agentReply(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.on('data', (data) => (reply += data.toString()));
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
    socket.write('mqtt_backend/node1\n');
  });
}
