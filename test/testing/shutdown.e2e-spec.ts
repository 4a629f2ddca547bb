// A signal still drains: an app closed by SIGTERM through Nest's shutdown hooks answers readiness 503 "draining"
// for drainMs while it still serves, and says so in one line; with drainMs 0 it closes without a warning.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ChildHandle, waitFor } from '../support/processes.js';

const REGISTER = resolve('test/readme/register.mjs');
const APP = resolve('test/testing/signal-app.ts');

async function startApp(drainMs: number): Promise<{ app: ChildHandle; url: string }> {
  const env = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1', DRAIN_MS: String(drainMs) };
  const app = new ChildHandle(spawn(process.execPath, ['--import', REGISTER, APP], { env, stdio: 'pipe' }));
  const port = await waitFor(
    () => {
      if (!app.running) throw new Error(`the app exited:\n${app.log}`);
      return /listening on (\d+)/.exec(app.log)?.[1];
    },
    30_000,
    'the app to listen',
  );
  return { app, url: `http://127.0.0.1:${port}` };
}

const warnings = (log: string) => log.split('\n').filter((line) => /\bWARN\b/.test(line));

describe('shutdown by a signal', () => {
  it('drains: readiness answers 503 "draining" while the app still serves, logged once', async () => {
    const { app, url } = await startApp(1500);
    await request(url).get('/api/v1/health/readiness').expect(200);
    app.child.kill('SIGTERM');
    const draining = await waitFor(
      async () => {
        const response = await request(url).get('/api/v1/health/readiness');
        return response.status === 503 ? response.body : undefined;
      },
      1000,
      'readiness to answer 503',
      20,
    );
    expect(draining).toMatchObject({ status: 'OUT_OF_SERVICE', details: { reason: 'draining' } });
    await request(url).get('/api/v1/health/liveness').expect(200);
    await app.exited;
    expect(app.log.split('\n').filter((line) => line.includes('draining'))).toHaveLength(1);
    expect(warnings(app.log)).toEqual([expect.stringContaining('group readiness: UP -> OUT_OF_SERVICE (draining)')]);
  }, 45_000);

  it('with drainMs 0 closes at once and warns about nothing', async () => {
    const { app, url } = await startApp(0);
    await request(url).get('/api/v1/health/readiness').expect(200);
    app.child.kill('SIGTERM');
    await app.exited;
    expect(warnings(app.log)).toEqual([]);
    expect(app.log).toContain('group readiness: UP -> OUT_OF_SERVICE (draining)');
  }, 45_000);
});
