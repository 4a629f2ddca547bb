import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
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

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    (l) => out.push(l),
    (l) => err.push(l),
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

  it('runs as the package binary', async () => {
    const bin = 'libs/health/dist/cli/main.js';
    expect(existsSync(bin)).toBe(true);
    const { stdout } = await run(process.execPath, [bin, 'probe', `${probe.url}/healthz`]);
    expect(stdout.trim()).toBe('/healthz: ok (HTTP 200)');
    await expect(run(process.execPath, [bin, 'probe', 'http://127.0.0.1:1/healthz'])).rejects.toMatchObject({ code: 1 });
  });
});
