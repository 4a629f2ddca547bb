import { request } from 'node:http';

export interface ProbeResult {
  ok: boolean;
  /** One short line: what answered, or why nothing did. */
  message: string;
}

/**
 * GETs a health endpoint: ok for 2xx/3xx (what Kubernetes and HAProxy accept), otherwise the
 * status word of a HiveMQ/FluxMQ/Kubernetes body when there is one. `timeoutMs` is a deadline for
 * the whole exchange, connect to last byte: a server that drips its answer cannot hold the probe.
 */
export function probe(url: string, timeoutMs = 2_000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return resolve({ ok: false, message: `not a URL: ${url}` });
    }
    if (target.protocol !== 'http:') return resolve({ ok: false, message: `only http:// URLs are probed (got ${target.protocol})` });
    let settled = false;
    // Settles once, and frees the socket: a late byte or error after the deadline changes nothing.
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      resolve(result);
    };
    const req = request(target, { method: 'GET', headers: { accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 64 * 1024) body += chunk;
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        const status = statusWord(body);
        finish({ ok: code >= 200 && code < 400, message: `${target.pathname}: ${status ? `${status} ` : ''}(HTTP ${code})` });
      });
      res.on('error', () => undefined); // the deadline or the request's own error reports it
    });
    const deadline = setTimeout(() => finish({ ok: false, message: `${target.pathname}: no answer within ${timeoutMs} ms` }), timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish({ ok: false, message: `${target.pathname}: ${error.code ?? error.message}${error.code ? ` (${error.message})` : ''}` }),
    );
    req.end();
  });
}

function statusWord(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { status?: unknown };
    return typeof parsed.status === 'string' ? parsed.status : undefined;
  } catch {
    return undefined;
  }
}

export const USAGE = `Usage: nestjs-mqtt-health probe <url> [--group <name>] [--timeout <ms>]
  Exits 0 when the endpoint answers 2xx/3xx, 1 otherwise (reason on stderr), 2 on bad usage.
  --group appends /<name> to the URL (e.g. http://127.0.0.1:8889/api/v1/health --group readiness).
  --timeout is a deadline for the whole exchange, connect to last byte (default 2000 ms).
  nestjs-mqtt-health --help | --version`;

const HELP = new Set(['--help', '-h']);
const VERSION = new Set(['--version', '-v', '-V']);

/** The command line: returns the exit code. `version` is what `--version` prints. */
export async function runCli(
  args: readonly string[],
  stdout: (line: string) => void,
  stderr: (line: string) => void,
  version: string,
): Promise<number> {
  if (args[0] === 'help' || args.some((arg) => HELP.has(arg))) {
    stdout(USAGE);
    return 0;
  }
  if (args.length === 1 && VERSION.has(args[0])) {
    stdout(version);
    return 0;
  }
  const [command, url, ...rest] = args;
  if (command !== 'probe' || !url || url.startsWith('--')) {
    stderr(USAGE);
    return 2;
  }
  let group: string | undefined;
  let timeoutMs = 2_000;
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (flag === '--group' && value) group = value;
    else if (flag === '--timeout' && value && /^\d+$/.test(value) && Number(value) > 0) timeoutMs = Number(value);
    else {
      stderr(`unknown or incomplete option: ${flag}\n${USAGE}`);
      return 2;
    }
  }
  const result = await probe(group ? `${url.replace(/\/+$/, '')}/${encodeURIComponent(group)}` : url, timeoutMs);
  (result.ok ? stdout : stderr)(result.message);
  return result.ok ? 0 : 1;
}
