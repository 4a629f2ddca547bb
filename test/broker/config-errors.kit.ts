import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ChildHandle, freePorts } from '../support/processes.js';

/** Runs the broker once for the configuration specs (config-errors, config-redis-url): how it exits, and what it said. */

export const MAIN = resolve('apps/broker/dist/main.js');
export const EX_CONFIG = 78;
/** A start-up refusal is immediate; anything still running after this is the hang these tests catch. */
const NO_HANG_MS = 10_000;

export type BrokerRun = { code: number | null | 'still running'; lines: string[]; log: string };

/**
 * Starts the broker with `env` on free ports, its data under `dataRoot`, and waits for it to exit, killing it if it
 * is still running after NO_HANG_MS.
 */
export function brokerRunner(dataRoot: string): (env: Record<string, string>) => Promise<BrokerRun> {
  return async (env) => {
    const [mqttPort, healthPort] = await freePorts(2);
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        MQTT_BIND: '127.0.0.1',
        MQTT_PORT: String(mqttPort),
        HEALTH_PORT: String(healthPort),
        HEALTH_AGENT_PORT: '0',
        DATA_DIR: join(dataRoot, `data-${mqttPort}`),
        DRAIN_MS: '0',
        ...env,
      },
      stdio: 'pipe',
    });
    const handle = new ChildHandle(child);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      handle.exited,
      new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), NO_HANG_MS))),
    ]);
    clearTimeout(timer);
    if (code === 'still running') await handle.kill();
    const lines = handle.log.split('\n').filter((line) => line.trim() !== '');
    return { code, lines, log: handle.log };
  };
}
