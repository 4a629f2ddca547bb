import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ChildHandle, tempDir } from '../support/processes.js';

describe('demo broker: EXTENSION_HOOK_TIMEOUT_MS', () => {
  it.each(['0', '60001', '5s'])('refuses EXTENSION_HOOK_TIMEOUT_MS=%s in one line, exit 78', async (value) => {
    const data = tempDir('broker-hook-timeout-');
    // A broker that accepted the value would start, on ports of its own choosing: it must not.
    const env = { PATH: process.env.PATH, MQTT_BIND: '127.0.0.1', MQTT_PORT: '0', HEALTH_PORT: '0', HEALTH_AGENT_PORT: '0' };
    const handle = new ChildHandle(
      spawn(process.execPath, [resolve('apps/broker/dist/main.js')], {
        env: { ...env, DATA_DIR: data.path, EXTENSIONS_DIR: '', EXTENSION_HOOK_TIMEOUT_MS: value },
        stdio: 'pipe',
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      handle.exited,
      new Promise((done) => (timer = setTimeout(() => done('still running after 10 s'), 10_000))),
    ]);
    clearTimeout(timer);
    await handle.kill();
    data.remove();
    expect(code).toBe(78);
    expect(handle.log.trim().split('\n')).toEqual([
      `Environment variable EXTENSION_HOOK_TIMEOUT_MS must be an integer from 1 to 60000 (got "${value}"). Fix it and start the broker again.`,
    ]);
  });
});
