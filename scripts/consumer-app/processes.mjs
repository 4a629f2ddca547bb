// Child processes of the consumer test (npm, the apps and their test runners, each in a process group of
// its own so that a timeout or Ctrl-C also ends what npm started), free ports and HTTP GETs on 127.0.0.1.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const children = new Set();

/** npm config from an enclosing `npm run` (workspace, prefix...) must not steer the child npm. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) =>
      !/^npm_(package|lifecycle)_/i.test(key) && !/^npm_config_(local_prefix|prefix|workspaces?|include_workspace_root)$/i.test(key),
  ),
);

/** Output without terminal colours. */
export const plain = (text) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

/** The last lines of an output, for a failure message. */
export const tail = (text, lines = 60) => plain(text).trimEnd().split('\n').slice(-lines).join('\n');

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Spawns a child; `exited` resolves to its exit code (or signal), `kill(signal)` signals its whole group. */
export function start(command, args, cwd, extraEnv = {}) {
  const child = spawn(command, args, { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  const proc = { child, output: '' };
  proc.kill = (signal) => (child.exitCode ?? child.signalCode) === null && process.kill(-child.pid, signal);
  child.stdout.on('data', (chunk) => (proc.output += chunk));
  child.stderr.on('data', (chunk) => (proc.output += chunk));
  proc.exited = new Promise((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal);
    }),
  );
  return proc;
}

/** Runs a command to completion within timeoutMs; resolves { code, output } (stdout and stderr). */
export async function run(command, args, { cwd, timeoutMs, env: extraEnv }) {
  const proc = start(command, args, cwd, extraEnv);
  const timer = setTimeout(() => {
    proc.output += `\n[timed out after ${timeoutMs / 1000}s]`;
    proc.kill('SIGKILL');
  }, timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, output: proc.output };
}

/** Ends every child still running (on Ctrl-C or SIGTERM of the consumer test). */
export function killAll() {
  for (const child of children) process.kill(-child.pid, 'SIGKILL');
}

/** A port free on 127.0.0.1 right now. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** GET within 5s: { status, text }. */
export async function get(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, text: await response.text() };
}

/** Runs at most `slots` of the bodies handed to it at once; the others wait their turn. */
export function limiter(slots) {
  const waiting = [];
  return async (body) => {
    if (slots > 0) slots -= 1;
    else await new Promise((resolve) => waiting.push(resolve));
    try {
      return await body();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else slots += 1;
    }
  };
}
