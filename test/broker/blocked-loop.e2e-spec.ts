import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { closeAll, connect } from '../support/mqtt-clients.js';
import { ChildHandle, freePorts, tempDir, waitFor, exitWithin } from '../support/processes.js';
import { extensionFolders, writeExtension } from '../support/extension-fixtures.js';
import {
  BLOCKS_CONFIGURE,
  BLOCKS_HOOK,
  SLEEPS_IN_CONFIGURE,
  SLEEPS_IN_HOOK,
  STARTS_SLOWLY,
  watchdogLines,
} from './blocked-loop.extensions.js';

const MAIN = resolve('apps/broker/dist/main.js');
/** Room for a loaded machine between a deadline and the exit it forces. */
const MARGIN_MS = 2500;

describe('deadlines that hold while synchronous code blocks the event loop', () => {
  const handles: ChildHandle[] = [];
  const dirs: ReturnType<typeof tempDir>[] = [];
  const clients: MqttClient[] = [];
  const extensionsWith = extensionFolders(dirs, 'broker-blocked-');

  /** A broker whose extension blocks while it starts: the Health API cannot be waited for, its log can. */
  async function startBlockedInConfigure(
    env: Record<string, string>,
    id = 'blocks-configure',
    source = BLOCKS_CONFIGURE,
  ): Promise<ChildHandle> {
    const [mqttPort, healthPort] = await freePorts(2);
    const data = tempDir('broker-blocked-data-');
    dirs.push(data);
    const handle = new ChildHandle(
      spawn(process.execPath, [MAIN], {
        env: {
          PATH: process.env.PATH ?? '',
          MQTT_BIND: '127.0.0.1',
          MQTT_PORT: String(mqttPort),
          HEALTH_PORT: String(healthPort),
          HEALTH_BIND: '127.0.0.1',
          HEALTH_AGENT_PORT: '0',
          DATA_DIR: data.path,
          EXTENSIONS_DIR: extensionsWith(id, source),
          ...env,
        },
        stdio: 'pipe',
      }),
    );
    handles.push(handle);
    await waitFor(() => handle.log.includes(`${id}: blocking`) || !handle.running, 20_000, 'configure() to block');
    return handle;
  }

  afterAll(async () => {
    await closeAll(clients);
    await stopAll(handles as BrokerProcess[]);
    for (const dir of dirs) dir.remove();
  });

  it('SIGTERM while configure() blocks: the process ends at DRAIN_MS + SHUTDOWN_TIMEOUT_MS, saying where it was stuck', async () => {
    const broker = await startBlockedInConfigure({ DRAIN_MS: '500', SHUTDOWN_TIMEOUT_MS: '1500', EXTENSION_START_TIMEOUT_MS: '60000' });
    const signalledAt = Date.now();
    broker.child.kill('SIGTERM');
    expect(await exitWithin(broker, 500 + 1500 + MARGIN_MS)).toBe(1);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(2000);
    expect(watchdogLines(broker.log)).toEqual([
      expect.stringMatching(
        /ERROR \[Watchdog\] shutdown deadline \(2000 ms: DRAIN_MS 500 \+ SHUTDOWN_TIMEOUT_MS 1500\) passed and the event loop has been blocked for \d+ ms, in configure \(file:\/\/\/.*\/blocks-configure\/index\.js:4:\d+\).*exiting with code 1/,
      ),
    ]);
  });

  it('configure() blocking past EXTENSION_START_TIMEOUT_MS ends the process with a line naming the extension', async () => {
    const broker = await startBlockedInConfigure({ EXTENSION_START_TIMEOUT_MS: '1500' });
    expect(await exitWithin(broker, 1500 + 1000 + MARGIN_MS)).toBe(1);
    expect(watchdogLines(broker.log)).toEqual([
      expect.stringMatching(
        /ERROR \[Watchdog\] extension blocks-configure \(its load or configure\(\)\) blocked the event loop past its deadline \(EXTENSION_START_TIMEOUT_MS 1500 ms; blocked for \d+ ms, in configure \(.*blocks-configure\/index\.js.*\): .*"enabled": false/,
      ),
    ]);
  });

  it('SIGTERM while a hook blocks on a publish: the process ends at the deadline, naming the hook', async () => {
    const env = { EXTENSIONS_DIR: extensionsWith('blocks-hook', BLOCKS_HOOK), DRAIN_MS: '500', SHUTDOWN_TIMEOUT_MS: '1500' };
    const broker = await BrokerProcess.start({ env });
    handles.push(broker);
    const client = await connect(broker.mqttUrl);
    clients.push(client);
    client.publish('block/forever', 'x');
    await waitFor(() => broker.log.includes('blocks-hook: blocking'), 5000, 'the hook to block');
    const signalledAt = Date.now();
    broker.child.kill('SIGTERM');
    expect(await exitWithin(broker, 500 + 1500 + MARGIN_MS)).toBe(1);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(2000);
    expect(watchdogLines(broker.log)).toEqual([
      expect.stringMatching(
        /ERROR \[Watchdog\] shutdown deadline .* blocked for \d+ ms, in authorizePublish \(.*blocks-hook\/index\.js:6:\d+\)/,
      ),
    ]);
  });

  it('SIGTERM while a hook blocks in native code: the process still ends within the deadline, saying the stack is unavailable', async () => {
    const env = { EXTENSIONS_DIR: extensionsWith('sleeps-hook', SLEEPS_IN_HOOK), DRAIN_MS: '500', SHUTDOWN_TIMEOUT_MS: '1500' };
    const broker = await BrokerProcess.start({ env });
    handles.push(broker);
    const client = await connect(broker.mqttUrl);
    clients.push(client);
    client.publish('native/sleep', 'x');
    await waitFor(() => broker.log.includes('sleeps-hook: blocking'), 5000, 'the hook to block');
    const signalledAt = Date.now();
    broker.child.kill('SIGTERM');
    // The deadline, its grace (250 ms) and the stack read that finds the main thread in native code (500 ms).
    expect(await exitWithin(broker, 2000 + 750 + MARGIN_MS)).toBe(-1);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(2000);
    expect(watchdogLines(broker.log)).toEqual([
      expect.stringMatching(
        /ERROR \[Watchdog\] shutdown deadline \(2000 ms.*\) passed and the event loop has been blocked for \d+ ms \(stack unavailable: blocked in native code\); ending it with SIGKILL from the watchdog thread/,
      ),
    ]);
  });

  it('configure() blocking in native code past EXTENSION_START_TIMEOUT_MS ends the process with a line naming the extension', async () => {
    const broker = await startBlockedInConfigure({ EXTENSION_START_TIMEOUT_MS: '1500' }, 'sleeps-configure', SLEEPS_IN_CONFIGURE);
    expect(await exitWithin(broker, 1500 + 1000 + 500 + MARGIN_MS)).toBe(-1);
    expect(watchdogLines(broker.log)).toEqual([
      expect.stringMatching(
        /ERROR \[Watchdog\] extension sleeps-configure \(its load or configure\(\)\) blocked the event loop past its deadline \(EXTENSION_START_TIMEOUT_MS 1500 ms; blocked for \d+ ms \(stack unavailable: blocked in native code\)\)/,
      ),
    ]);
  });

  it("another extension's hook blocking while an extension starts: the start is late, the process lives, the line names the hook", async () => {
    const dir = extensionsWith('blocks-hook', BLOCKS_HOOK);
    writeExtension(dir, 'starts-slowly', STARTS_SLOWLY);
    const broker = await BrokerProcess.start({ env: { EXTENSIONS_DIR: dir, EXTENSION_START_TIMEOUT_MS: '1500' } });
    handles.push(broker);
    const client = await connect(broker.mqttUrl);
    clients.push(client);
    // A new configuration restarts starts-slowly; its configure() waits past the deadline without blocking.
    writeFileSync(join(dir, 'starts-slowly', 'conf', 'config.json'), JSON.stringify({ delayMs: 4000 }));
    await waitFor(() => broker.log.includes('starts-slowly: configuring for 4000 ms'), 10_000, 'the restart');
    client.publish('block/6000', 'x');
    await waitFor(() => broker.log.includes('blocks-hook: done'), 15_000, 'the block to end');
    await waitFor(() => broker.log.includes('extension starts-slowly: configuration rejected'), 5000, 'the late start to be reported');
    expect(broker.running).toBe(true);
    // Still serving (liveness may read the stall just seen, as event-loop reports it).
    expect([200, 503]).toContain((await broker.health('liveness')).status);
    const lines = watchdogLines(broker.log);
    expect(lines.filter((line) => line.includes('ERROR'))).toEqual([]);
    expect(lines[0]).toMatch(
      /WARN \[Watchdog\] extension starts-slowly .* is past its deadline \(EXTENSION_START_TIMEOUT_MS 1500 ms\) while the event loop has been blocked for \d+ ms by code not traced to it, in authorizePublish \(.*blocks-hook\/index\.js:\d+:\d+\)/,
    );
  });
});
