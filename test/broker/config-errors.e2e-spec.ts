import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { connect } from '../support/mqtt-clients.js';
import { ChildHandle, freePorts, tempDir, waitFor } from '../support/processes.js';
import { brokerRunner, EX_CONFIG, MAIN } from './config-errors.kit.js';

const scratch = tempDir('config-errors-');
const aFile = join(scratch.path, 'a-file');
writeFileSync(aFile, 'not a directory\n');
/** What `DATA_DIR=/dev/shm/../…` reaches: a broker that accepted it would create this directory in /dev. */
const DATA_UNDER_DEV = `broker-data-config-errors-${process.pid}`;
const brokers: BrokerProcess[] = [];
afterAll(async () => {
  await stopAll(brokers);
  scratch.remove();
  rmSync(join('/dev', DATA_UNDER_DEV), { recursive: true, force: true });
});
const runBroker = brokerRunner(scratch.path);

describe('demo broker: configuration it cannot use is refused at start, in one line, exit 78', () => {
  const cases: Array<[string, Record<string, string>, string, RegExp]> = [
    ['MQTT_BIND that does not resolve', { MQTT_BIND: 'not a host!' }, 'MQTT_BIND', /does not resolve to an address \(E[A-Z_]+\)/],
    // TEST-NET-1 (RFC 5737): an address no host of ours has; binding it sends nothing anywhere.
    [
      'MQTT_BIND that is not an address of this host',
      { MQTT_BIND: '192.0.2.1' },
      'MQTT_BIND',
      /192\.0\.2\.1 is not an address of this host \(EADDRNOTAVAIL\)/,
    ],
    ['REDIS_URL with a port out of range', { REDIS_URL: 'redis://127.0.0.1:99999' }, 'REDIS_URL', /port "99999"/],
    ['REDIS_URL with a port that is not a number', { REDIS_URL: 'redis://127.0.0.1:abc' }, 'REDIS_URL', /port "abc"/],
    ['DATA_DIR that is a file', { DATA_DIR: aFile }, 'DATA_DIR', /names a file, not a directory/],
    ['DATA_DIR under /proc', { DATA_DIR: '/proc/broker-data' }, 'DATA_DIR', /kernel filesystem \(\/proc\)/],
    [
      'DATA_DIR that leads into /dev through ..',
      { DATA_DIR: `/dev/shm/../${DATA_UNDER_DEV}` },
      'DATA_DIR',
      /is under \/dev \(\/dev\), which holds devices and shared memory/,
    ],
    ['EXTENSIONS_DIR that does not exist', { EXTENSIONS_DIR: join(scratch.path, 'no-such-dir') }, 'EXTENSIONS_DIR', /does not exist/],
    ['EXTENSIONS_DIR that is a file', { EXTENSIONS_DIR: aFile }, 'EXTENSIONS_DIR', /names a file/],
    ['DRAIN_MS above its maximum', { DRAIN_MS: '3600000' }, 'DRAIN_MS', /from 0 to 300000/],
  ];

  it.each(cases)('%s', async (_what, env, variable, problem) => {
    const { code, lines, log } = await runBroker(env);
    expect({ code, lines: lines.length, log }).toEqual({ code: EX_CONFIG, lines: 1, log: expect.any(String) });
    expect(lines[0]).toMatch(new RegExp(`^Environment variable ${variable}\\b`));
    expect(lines[0]).toMatch(problem);
  });

  it('never prints the password of a REDIS_URL it refuses', async () => {
    const { code, lines } = await runBroker({ REDIS_URL: 'redis://app:hunter2-secret@127.0.0.1:99999' });
    expect([code, lines.length]).toEqual([EX_CONFIG, 1]);
    expect(lines[0]).toContain('redis://app:***@127.0.0.1:99999');
    expect(lines[0]).not.toContain('hunter2');
  });
});

describe('demo broker: settings that do nothing as combined start the broker with a one-line warning each', () => {
  it('warns that HEALTH_TOKEN does nothing unless HEALTH_DETAILS=when-authorized, and CLUSTER_LIVENESS_GRACE_MS nothing without REDIS_URL', async () => {
    const broker = await BrokerProcess.start({
      env: { HEALTH_DETAILS: 'always', HEALTH_TOKEN: 'unused-token', CLUSTER_LIVENESS_GRACE_MS: '30000' },
    });
    brokers.push(broker);
    const warnings = broker.log.split('\n').filter((line) => /\bWARN\b/.test(line));
    expect(warnings).toEqual([
      expect.stringMatching(/HEALTH_TOKEN has no effect with HEALTH_DETAILS=always: details are shown to every client/),
      expect.stringMatching(/CLUSTER_LIVENESS_GRACE_MS has no effect without REDIS_URL/),
    ]);
    expect(broker.log).not.toContain('unused-token');
    const never = await BrokerProcess.start({ env: { HEALTH_DETAILS: 'never', HEALTH_TOKEN: 'unused-token' } });
    brokers.push(never);
    expect(never.log).toMatch(/WARN.*HEALTH_TOKEN has no effect with HEALTH_DETAILS=never: details are shown to no one/);
  });
});

/** Whether this host can listen on `address` at all (a host without IPv6 cannot on ::1). */
function canListen(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, address, () => server.close(() => resolve(true)));
  });
}

describe('demo broker: addresses written as URLs write them', () => {
  it('takes MQTT_BIND=[::1] and HEALTH_BIND=[::1] as the IPv6 address ::1', async () => {
    const [mqttPort, healthPort] = await freePorts(2);
    const env = { MQTT_BIND: '[::1]', HEALTH_BIND: '[::1]', MQTT_PORT: String(mqttPort), HEALTH_PORT: String(healthPort) };
    if (!(await canListen('::1'))) {
      // No IPv6 on this host: the refusal still names ::1 itself, not a name "[::1]" that does not resolve.
      const { code, lines } = await runBroker(env);
      expect([code, lines.length]).toEqual([EX_CONFIG, 1]);
      expect(lines[0]).toMatch(/^Environment variable MQTT_BIND: (::1 is not an address|"::1" does not resolve)/);
      return;
    }
    const child = new ChildHandle(
      spawn(process.execPath, [MAIN], {
        env: { PATH: process.env.PATH, HEALTH_AGENT_PORT: '0', DATA_DIR: join(scratch.path, 'data-ipv6'), DRAIN_MS: '0', ...env },
        stdio: 'pipe',
      }),
    );
    try {
      const readiness = await waitFor(
        async () => {
          if (!child.running) throw new Error(`broker exited:\n${child.log}`);
          const response = await fetch(`http://[::1]:${healthPort}/api/v1/health/readiness`, { signal: AbortSignal.timeout(2000) });
          return response.status === 200
            ? ((await response.json()) as { components: { mqtt: { components: Record<string, { details: object }> } } })
            : undefined;
        },
        20_000,
        'readiness 200 on http://[::1]',
        100,
      );
      expect(readiness.components.mqtt.components[`tcp-listener-${mqttPort}`].details).toMatchObject({
        'bind-address': '::1',
        'is-running': true,
      });
      const client = await connect(`mqtt://[::1]:${mqttPort}`);
      expect(client.connected).toBe(true);
      await client.endAsync(true);
    } finally {
      await child.kill();
    }
  });
});
