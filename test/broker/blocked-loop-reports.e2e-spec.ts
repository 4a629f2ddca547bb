import { afterAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { closeAll, connect } from '../support/mqtt-clients.js';
import { tempDir, waitFor, exitWithin } from '../support/processes.js';
import { extensionFolders } from '../support/extension-fixtures.js';
import { BLOCKS_HOOK, LEAKS, watchdogLines } from './blocked-loop.extensions.js';

describe('what a blocked or leaking event loop shows while the broker runs', () => {
  const handles: BrokerProcess[] = [];
  const dirs: ReturnType<typeof tempDir>[] = [];
  const clients: MqttClient[] = [];
  const extensionsWith = extensionFolders(dirs, 'broker-blocked-');

  afterAll(async () => {
    await closeAll(clients);
    await stopAll(handles);
    for (const dir of dirs) dir.remove();
  });

  it('a leak of 10 MB/s in a 200 MB heap is DEGRADED, then DOWN, in the log before V8 ends the process', async () => {
    const env = { EXTENSIONS_DIR: extensionsWith('leaks', LEAKS), NODE_OPTIONS: '--max-old-space-size=200' };
    const broker = await BrokerProcess.start({ env });
    handles.push(broker);
    const client = await connect(broker.mqttUrl);
    clients.push(client);
    client.publish('leak/start', 'x');
    await waitFor(() => broker.log.includes('leaks: leaking'), 5000, 'the leak to start');
    expect(await exitWithin(broker, 40_000)).not.toBe('still running');
    // Without Nest's colours.
    const log = broker.log.replace(/\x1b\[[0-9;]*m/g, '');
    const heapLines = log.split('\n').filter((line) => line.includes('resources/heap:') && !line.includes('(new)'));
    expect(heapLines).toEqual([
      expect.stringMatching(/WARN \[Health\] resources\/heap: UP -> DEGRADED \(old generation \d+ MiB of its \d+ MiB limit\)/),
      expect.stringMatching(/WARN \[Health\] resources\/heap: DEGRADED -> DOWN/),
    ]);
    expect(log.indexOf('resources/heap: DEGRADED -> DOWN')).toBeLessThan(log.indexOf('heap out of memory'));
  });

  it('a loop blocked for 6 s is logged while it lasts, and event-loop reports the stall once it runs again', async () => {
    const env = { EXTENSIONS_DIR: extensionsWith('blocks-hook', BLOCKS_HOOK), ...(await faultMatrixEnv()) };
    const broker = await BrokerProcess.start({ env });
    handles.push(broker);
    const before = await broker.health('event-loop');
    expect(before).toMatchObject({ status: 200, body: { status: 'UP' } });
    const client = await connect(broker.mqttUrl);
    clients.push(client);
    client.publish('block/6000', 'x');
    await waitFor(() => broker.log.includes('blocks-hook: done'), 15_000, 'the block to end');
    const freeAt = Date.now();
    await waitFor(async () => (await broker.health('event-loop')).body.status === 'DEGRADED', 5000, 'event-loop to show the stall');
    const after = await broker.health('event-loop');
    expect(after.body.details['max-delay-ms']).toBeGreaterThanOrEqual(5500);
    expect(after.body.details.reason).toMatch(/^the event loop was blocked for \d+ ms/);
    // Shorter than eventLoopDownMs: liveness stays 200, the whole tree says DEGRADED.
    expect(await broker.health('liveness')).toMatchObject({ status: 200, body: { status: 'DEGRADED' } });
    await recordFault('Event loop blocked for 6 s, then free', 95, broker, Date.now() - freeAt);
    const lines = watchdogLines(broker.log);
    expect(lines[0]).toMatch(
      /WARN \[Watchdog\] the event loop has been blocked for \d+ ms, in authorizePublish \(.*blocks-hook\/index\.js:\d+:\d+\)/,
    );
    await waitFor(() => watchdogLines(broker.log).length > 1, 3000, 'the end of the block to be logged');
    expect(watchdogLines(broker.log)[1]).toMatch(/LOG \[Watchdog\] the event loop runs again after a block of \d+ ms/);
  });
});
