import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { closeAll, closedAfter, connect } from '../support/mqtt-clients.js';
import { tempDir, waitFor } from '../support/processes.js';

describe('demo broker whose DATA_DIR is deleted while it runs', () => {
  const data = tempDir('broker-data-deleted-');
  let broker: BrokerProcess | undefined;
  const clients: MqttClient[] = [];
  const storage = async () => (await broker!.health('storage')).body;

  beforeAll(async () => {
    broker = await BrokerProcess.start({ env: { DATA_DIR: data.path, ...(await faultMatrixEnv()) } });
  }, 30_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll([broker]);
    data.remove();
  });

  it('turns storage DOWN within a refresh, says why, refuses QoS 1, and stays DOWN when an empty directory takes its place', async () => {
    const publisher = await connect(broker!.mqttUrl, { clientId: 'deleted-publisher' });
    clients.push(publisher);
    await publisher.publishAsync('data/kept', 'stored', { qos: 1, retain: true });

    rmSync(data.path, { recursive: true, force: true });
    const deletedAt = Date.now();
    const down = await waitFor(
      async () => {
        const s = await storage();
        return s.status === 'DOWN' && s;
      },
      // One refresh (1 s) and the storage check's own timeout, with room for a loaded machine.
      4000,
      'storage to go DOWN once DATA_DIR is deleted',
      50,
    );
    const msToDown = Date.now() - deletedAt;
    expect(down.details).toEqual({
      type: 'level',
      'network-dependency': false,
      reason: 'storage unavailable',
      error: expect.stringMatching(/was deleted while the broker had it open.*restart the broker/),
    });
    await waitFor(async () => (await broker!.health('readiness')).status === 503, 2000, 'readiness 503', 20);
    await recordFault('DATA_DIR deleted', 42, broker!, msToDown);
    console.log(`DATA_DIR deleted: storage DOWN after ${msToDown} ms`);

    let acknowledged = false;
    expect(
      await closedAfter(publisher, () => publisher.publish('data/kept', 'after', { qos: 1 }, (error) => (acknowledged = !error)), 1000),
    ).toBe(true);
    expect(acknowledged).toBe(false);

    // A directory recreated by hand is not the one the store has open: writes would still go nowhere.
    mkdirSync(join(data.path, 'aedes'), { recursive: true });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const replaced = await storage();
    expect(replaced.status).toBe('DOWN');
    expect(replaced.details.error).toMatch(/was replaced while the broker had it open/);

    const warnings = broker!.log.split('\n').filter((line) => /\bWARN\b/.test(line) && /storage directory/.test(line));
    // The broker says it once; the storage transition line carries it as its cause.
    expect(warnings.filter((line) => line.includes('[Broker]'))).toHaveLength(1);
    expect(
      warnings.filter((line) => /\[Health\].*storage: UP -> DOWN \(storage unavailable: the storage directory/.test(line)),
    ).toHaveLength(1);
    expect(broker!.running).toBe(true);
    expect((await broker!.health('liveness')).status).toBe(200);
  }, 30_000);
});
