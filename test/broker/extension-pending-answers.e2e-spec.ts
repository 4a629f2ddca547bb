import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { closeAll, connect } from '../support/mqtt-clients.js';
import { tempDir, waitFor } from '../support/processes.js';
import { writeExtension } from '../support/extension-fixtures.js';

/** Never answers on `never/`: each subscription to it waits out the hook deadline. */
const NEVER_ANSWERS = `export default () => ({
  configure() { return {}; },
  authorizeSubscribe: (client, subscription) => (subscription.topic.startsWith('never/') ? new Promise(() => {}) : true),
});`;

/** Resident memory of a process, from /proc. */
function rssBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

describe('demo broker: pending hook answers are bounded', () => {
  const CONNECTIONS = 5;
  const FILTERS = 10_000;
  const dir = tempDir('broker-pending-hooks-');
  const clients: MqttClient[] = [];
  let broker: BrokerProcess;

  beforeAll(async () => {
    writeExtension(dir.path, 'never-answers', NEVER_ANSWERS);
    // The longest hook deadline there is: without a bound every pending answer is held for a minute.
    broker = await BrokerProcess.start({ env: { EXTENSIONS_DIR: dir.path, EXTENSION_HOOK_TIMEOUT_MS: '60000' } });
  }, 30_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll([broker]);
    dir.remove();
  });

  it('refuses a client past 1,000 pending answers at once, so subscriptions to a hook that never answers cost bounded memory', async () => {
    const pid = broker.child.pid!;
    const settle = await connect(broker.mqttUrl, { clientId: 'warm-up' });
    clients.push(settle);
    await settle.subscribeAsync('warm/x', { qos: 0 });
    const before = rssBytes(pid);

    for (let k = 0; k < CONNECTIONS; k++) {
      const c = await connect(broker.mqttUrl, { clientId: `flood-${k}`, keepalive: 0 });
      clients.push(c);
      const filters: Record<string, { qos: 0 }> = {};
      for (let i = 0; i < FILTERS; i++) filters[`never/${k}/${i}`] = { qos: 0 };
      // No SUBACK before the pending answers time out: nothing to wait for here.
      c.subscribe(filters, () => undefined);
    }
    const reason = await waitFor(
      async () => {
        const e = (await broker.health('extensions/never-answers/internals/entrypoint')).body;
        return e.status === 'DEGRADED' && /too many pending/.test(e.details['last-failure']) && e.details['last-failure'];
      },
      20_000,
      'the bound on pending hook answers to be reached',
    );
    expect(reason).toBe('authorizeSubscribe not asked: too many pending hook answers for one client (1000)');

    // Every filter of every packet has been asked or refused by now; memory stays near where it was.
    let peak = 0;
    for (const until = Date.now() + 5000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      peak = Math.max(peak, rssBytes(pid));
    }
    expect((peak - before) / 2 ** 20).toBeLessThan(60);

    // Other clients are still asked and served meanwhile.
    const other = await connect(broker.mqttUrl, { clientId: 'other' });
    clients.push(other);
    await other.subscribeAsync('fine/x', { qos: 1 });
    expect(broker.running).toBe(true);
  }, 60_000);
});
