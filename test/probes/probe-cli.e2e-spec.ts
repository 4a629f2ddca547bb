import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HealthStatus } from 'nestjs-mqtt-health';
import { runCli } from '../../libs/health/src/cli/probe.js';
import { bootProbeApp, state, type ProbeApp } from './probe-app.js';

const run = promisify(execFile);
let probe: ProbeApp;
beforeAll(async () => {
  probe = await bootProbeApp();
});
afterAll(() => probe.app.close());

const { version: VERSION } = JSON.parse(readFileSync('libs/health/package.json', 'utf8')) as { version: string };

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    (l) => out.push(l),
    (l) => err.push(l),
    VERSION,
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('probe command', () => {
  it('exits 0 on a ready group and 1 with the status on stderr when not ready', async () => {
    const ok = await cli('probe', `${probe.url}/api/v1/health`, '--group', 'readiness');
    expect(ok).toEqual({ code: 0, out: '/api/v1/health/readiness: UP (HTTP 200)', err: '' });
    state.storage = { status: HealthStatus.DOWN };
    await probe.health.refresh();
    const down = await cli('probe', `${probe.url}/api/v1/health`, '--group', 'readiness');
    expect(down).toEqual({ code: 1, out: '', err: '/api/v1/health/readiness: OUT_OF_SERVICE (HTTP 503)' });
    expect((await cli('probe', `${probe.url}/readyz`)).err).toBe('/readyz: not_ready (HTTP 503)');
    state.storage = { status: HealthStatus.UP };
    await probe.health.refresh();
  });

  it('reports refused connections and bad usage', async () => {
    const refused = await cli('probe', 'http://127.0.0.1:1/healthz');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^\/healthz: ECONNREFUSED/);
    expect((await cli('probe')).code).toBe(2);
    expect((await cli('probe', 'https://127.0.0.1/x')).err).toMatch(/only http:\/\//);
    expect((await cli('probe', probe.url, '--bogus', 'x')).code).toBe(2);
  });

  it('holds --timeout as a deadline for the whole exchange, even against a server that drips bytes', async () => {
    // Headers, then one byte every 200 ms for ever: each byte would reset a mere socket idle timeout.
    const sockets = new Set<import('node:net').Socket>();
    const drip: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
      const timer = setInterval(() => socket.write('1\r\n \r\n'), 200);
      socket.on('close', () => {
        clearInterval(timer);
        sockets.delete(socket);
      });
    });
    await new Promise<void>((resolve) => drip.listen(0, '127.0.0.1', resolve));
    const { port } = drip.address() as { port: number };
    try {
      const startedAt = Date.now();
      const result = await Promise.race([
        cli('probe', `http://127.0.0.1:${port}/healthz`, '--timeout', '700'),
        new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 3000).unref()),
      ]);
      expect(result).toEqual({ code: 1, out: '', err: '/healthz: no answer within 700 ms' });
      expect(Date.now() - startedAt).toBeLessThan(1500);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => drip.close(resolve));
    }
  });

  it('prints its usage on --help and the package version on --version, exiting 0', async () => {
    for (const args of [['--help'], ['-h'], ['help'], ['probe', '--help']]) {
      const help = await cli(...args);
      expect({ args, code: help.code, err: help.err }).toEqual({ args, code: 0, err: '' });
      expect(help.out).toMatch(/^Usage: nestjs-mqtt-health probe <url>/);
    }
    for (const args of [['--version'], ['-v']]) expect(await cli(...args)).toEqual({ code: 0, out: VERSION, err: '' });
    const bin = 'libs/health/dist/cli/main.js';
    expect((await run(process.execPath, [bin, '--version'])).stdout.trim()).toBe(VERSION);
    expect((await run(process.execPath, [bin, '--help'])).stdout).toContain('--timeout <ms>');
  });

  it('runs as the package binary', async () => {
    const bin = 'libs/health/dist/cli/main.js';
    expect(existsSync(bin)).toBe(true);
    const { stdout } = await run(process.execPath, [bin, 'probe', `${probe.url}/healthz`]);
    expect(stdout.trim()).toBe('/healthz: ok (HTTP 200)');
    await expect(run(process.execPath, [bin, 'probe', 'http://127.0.0.1:1/healthz'])).rejects.toMatchObject({ code: 1 });
  });
});
