import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parseURL } from 'ioredis/built/utils/index.js';
import { assertMqttBindable, healthAddressVariable, unbindableAddressLine } from './bind-address.js';
import { BrokerConfigError, configWarnings, hideCredentials, loadBrokerConfig, MAX_DRAIN_MS } from './broker-config.js';

const scratch = mkdtempSync(join(tmpdir(), 'broker-config-'));
/** Where a broker that accepted a DATA_DIR under /dev would have created its directory. */
const UNDER_DEV = ['/dev/broker-data-spec', '/dev/shm/broker-data-spec'];
afterAll(() => {
  for (const path of [scratch, ...UNDER_DEV]) rmSync(path, { recursive: true, force: true });
});
const load = (env: Record<string, string>) => loadBrokerConfig({ DATA_DIR: join(scratch, 'data'), EXTENSIONS_DIR: '', ...env });
const refusal = (env: Record<string, string>) => {
  try {
    load(env);
  } catch (error) {
    if (error instanceof BrokerConfigError) return error.message;
    throw error;
  }
  return 'accepted';
};

describe('loadBrokerConfig', () => {
  it('reads CLUSTER_MEMBERSHIP, registry by default, and refuses any other value naming it', () => {
    expect(load({}).clusterMembership).toBe('registry');
    expect(load({ CLUSTER_MEMBERSHIP: 'emitter' }).clusterMembership).toBe('emitter');
    expect(refusal({ CLUSTER_MEMBERSHIP: 'gossip' })).toMatch(
      /^Environment variable CLUSTER_MEMBERSHIP must be registry or emitter \(got "gossip"\)/,
    );
  });

  it('refuses NODE_ID "fleet", the topic level of the fleet\'s verdict, and an id no topic level can be, naming it', () => {
    expect(refusal({ NODE_ID: 'fleet' })).toMatch(/NODE_ID.*must not be "fleet": \$SYS\/fleet\/health is the fleet's verdict/);
    expect(refusal({ NODE_ID: 'a/b' })).toMatch(/NODE_ID.*must be 1-64 letters/);
    expect(load({ NODE_ID: 'fleet-2' }).nodeId).toBe('fleet-2');
  });

  it('refuses a REDIS_URL ioredis could not use, naming the problem and never the password', () => {
    expect(refusal({ REDIS_URL: 'redis://u:pw-1@127.0.0.1:99999' })).toBe(
      'Environment variable REDIS_URL has port "99999", which is not a port number (1-65535) (got "redis://u:***@127.0.0.1:99999"). Fix it and start the broker again.',
    );
    expect(refusal({ REDIS_URL: 'redis://:pw-2@host:abc' })).toMatch(/port "abc".*redis:\/\/:\*\*\*@host:abc/);
    expect(refusal({ REDIS_URL: 'redis://host:0' })).toMatch(/port "0"/);
    expect(refusal({ REDIS_URL: 'redis://:6379' })).toMatch(/names no host/);
    expect(refusal({ REDIS_URL: 'redis://host:6379/db' })).toMatch(/database number/);
    expect(load({ REDIS_URL: 'rediss://user:p%40ss@redis.internal:6380/2' }).redisUrl).toBe('rediss://user:p%40ss@redis.internal:6380/2');
    expect(load({ REDIS_URL: 'redis://[::1]:6379' }).redisUrl).toBe('redis://[::1]:6379');
  });

  it('reads an empty REDIS_URL port as the default 6379, as ioredis does', () => {
    for (const url of ['redis://127.0.0.1:', 'redis://:pw@redis.internal:/2', 'redis://[::1]:']) {
      expect(refusal({ REDIS_URL: url })).toBe('accepted');
      expect(parseURL(url).port ?? '6379').toBe('6379');
    }
  });

  it('takes a bracketed IPv6 MQTT_BIND or HEALTH_BIND as the address inside, and refuses brackets around anything else', () => {
    expect(load({ MQTT_BIND: '[::1]', HEALTH_BIND: '[::]' })).toMatchObject({ mqttBind: '::1', healthBind: '::' });
    expect(load({ MQTT_BIND: '::1', HEALTH_BIND: '127.0.0.1' })).toMatchObject({ mqttBind: '::1', healthBind: '127.0.0.1' });
    expect(refusal({ MQTT_BIND: '[127.0.0.1]' })).toMatch(/^Environment variable MQTT_BIND may put brackets only around an IPv6 address/);
    expect(refusal({ HEALTH_BIND: '[localhost]' })).toMatch(
      /^Environment variable HEALTH_BIND may put brackets only around an IPv6 address/,
    );
  });

  it('refuses a DATA_DIR that is a file or on a kernel filesystem, and creates a missing one for the embedded store', () => {
    const file = join(scratch, 'file');
    writeFileSync(file, '');
    expect(refusal({ DATA_DIR: file })).toMatch(/^Environment variable DATA_DIR names a file, not a directory/);
    expect(refusal({ DATA_DIR: join(file, 'below') })).toMatch(/is under .*file, which is a file/);
    expect(refusal({ DATA_DIR: '/proc/broker' })).toMatch(/kernel filesystem \(\/proc\)/);
    expect(refusal({ DATA_DIR: '/sys/broker', REDIS_URL: 'redis://host' })).toMatch(/kernel filesystem \(\/sys\)/);
    expect(load({ DATA_DIR: join(scratch, 'new', 'data') }).dataDir).toBe(join(scratch, 'new', 'data'));
  });

  it('refuses a DATA_DIR under /dev, however the path gets there, and creates nothing there', () => {
    const devLink = join(scratch, 'dev-link');
    symlinkSync('/dev', devLink);
    const probes = [
      '/dev/broker-data-spec',
      '/dev/shm/../broker-data-spec',
      '/dev/shm/broker-data-spec',
      join(devLink, 'broker-data-spec'),
    ];
    for (const dataDir of probes) {
      expect(refusal({ DATA_DIR: dataDir })).toMatch(
        /^Environment variable DATA_DIR is under \/dev \(\/dev(\/shm)?\), which holds devices/,
      );
    }
    expect(refusal({ DATA_DIR: '/dev/shm/../broker-data-spec', REDIS_URL: 'redis://host' })).toMatch(/is under \/dev/);
    expect(UNDER_DEV.filter((path) => existsSync(path))).toEqual([]);
  });

  it('refuses an EXTENSIONS_DIR that is missing or a file; empty still turns extensions off', () => {
    expect(refusal({ EXTENSIONS_DIR: join(scratch, 'none') })).toMatch(
      /^Environment variable EXTENSIONS_DIR names a directory that does not exist/,
    );
    expect(refusal({ EXTENSIONS_DIR: join(scratch, 'file') })).toMatch(/names a file/);
    expect(load({ EXTENSIONS_DIR: '' }).extensionsDir).toBeUndefined();
  });

  it(`refuses DRAIN_MS above ${MAX_DRAIN_MS}`, () => {
    expect(load({ DRAIN_MS: String(MAX_DRAIN_MS) }).drainMs).toBe(MAX_DRAIN_MS);
    expect(refusal({ DRAIN_MS: String(MAX_DRAIN_MS + 1) })).toMatch(/DRAIN_MS must be an integer from 0 to 300000/);
  });
});

describe('loadBrokerConfig: the Health API', () => {
  it("reads Zeebe's liveness windows, unset by default, and refuses a bad one naming the variable", () => {
    expect(load({})).toMatchObject({ clusterLivenessGraceMs: undefined, eventLoopLivenessGraceMs: undefined });
    expect(load({ CLUSTER_LIVENESS_GRACE_MS: '0', EVENT_LOOP_LIVENESS_GRACE_MS: '2000' })).toMatchObject({
      clusterLivenessGraceMs: 0,
      eventLoopLivenessGraceMs: 2000,
    });
    expect(refusal({ CLUSTER_LIVENESS_GRACE_MS: '5m' })).toMatch(
      /^Environment variable CLUSTER_LIVENESS_GRACE_MS must be an integer from 0/,
    );
    expect(refusal({ EVENT_LOOP_LIVENESS_GRACE_MS: '-1' })).toMatch(
      /^Environment variable EVENT_LOOP_LIVENESS_GRACE_MS must be an integer/,
    );
  });

  it('turns the Health API off with HEALTH_ENABLED=false: no listener, no agent-check port, no port of its own to collide', () => {
    expect(load({})).toMatchObject({ healthEnabled: true, healthAgentPort: 8890, healthListeners: [{ port: 8889, address: '127.0.0.1' }] });
    const off = load({ HEALTH_ENABLED: 'FALSE', HEALTH_PORT: '1883', HEALTH_VIEWS: 'zeebe@:1883' });
    expect(off).toMatchObject({ healthEnabled: false, healthAgentPort: 0, healthListeners: [] });
    expect(load({ HEALTH_ENABLED: 'true' }).healthEnabled).toBe(true);
    expect(refusal({ HEALTH_ENABLED: 'no' })).toMatch(/^Environment variable HEALTH_ENABLED must be true or false \(got "no"\)/);
  });

  it('names the HEALTH_PORT listener with HEALTH_LISTENER_NAME, refusing a bad name or one another listener has', () => {
    expect(load({ HEALTH_LISTENER_NAME: 'health-api-listener' }).healthListenerName).toBe('health-api-listener');
    expect(refusal({ HEALTH_LISTENER_NAME: 'health api' })).toMatch(/^Environment variable HEALTH_LISTENER_NAME must be 1-64 letters/);
    expect(refusal({ HEALTH_LISTENER_NAME: 'http-listener-9600', HEALTH_VIEWS: 'hivemq,zeebe@:9600' })).toMatch(
      /^Environment variable HEALTH_LISTENER_NAME is the name of the listener on port 9600/,
    );
  });

  it('binds a name@addr:port view to its own address, refusing a port given two, naming HEALTH_VIEWS', () => {
    expect(load({ HEALTH_VIEWS: 'hivemq,zeebe@[::1]:9600' }).healthListeners).toEqual([
      { port: 8889, address: '127.0.0.1', views: [expect.objectContaining({ view: 'hivemq' })] },
      { port: 9600, address: '::1', views: [expect.objectContaining({ view: 'zeebe', address: '::1' })] },
    ]);
    expect(refusal({ HEALTH_VIEWS: 'zeebe@0.0.0.0:9600,actuator@:9600' })).toMatch(
      /^Environment variable HEALTH_VIEWS gives port 9600 two addresses/,
    );
    expect(refusal({ HEALTH_VIEWS: 'zeebe@[localhost]:9600' })).toMatch(
      /^Environment variable HEALTH_VIEWS gives "zeebe" the address \[localhost\]/,
    );
  });
});

describe('an unbindable health address', () => {
  it('names HEALTH_VIEWS when a view gave its listener the address, HEALTH_BIND otherwise', () => {
    const config = load({ HEALTH_VIEWS: 'hivemq,zeebe@192.0.2.1:9600,fluxmq@:9601' });
    expect([9600, 9601, 8889].map((port) => healthAddressVariable(config, port))).toEqual(['HEALTH_VIEWS', 'HEALTH_BIND', 'HEALTH_BIND']);
    expect(unbindableAddressLine('HEALTH_VIEWS', '192.0.2.1', 'EADDRNOTAVAIL')).toBe(
      'Environment variable HEALTH_VIEWS: 192.0.2.1 is not an address of this host (EADDRNOTAVAIL). ' +
        'Give that view an address of this host (name@127.0.0.1:port), or none (name@:port listens on HEALTH_BIND).',
    );
  });
});

describe('configWarnings', () => {
  it('names the settings that do nothing as combined, and nothing else', () => {
    expect(configWarnings(load({}))).toEqual([]);
    expect(configWarnings(load({ HEALTH_DETAILS: 'when-authorized', HEALTH_TOKEN: 't' }))).toEqual([]);
    expect(configWarnings(load({ REDIS_URL: 'redis://h', HEALTH_VIEWS: 'hivemq,actuator', CLUSTER_LIVENESS_GRACE_MS: '1000' }))).toEqual(
      [],
    );
    expect(configWarnings(load({ HEALTH_VIEWS: 'actuator', EVENT_LOOP_LIVENESS_GRACE_MS: '1000' }))).toEqual([]);
    // Zeebe's rule lives at /actuator/health/liveness alone: without the actuator view the windows change nothing.
    expect(configWarnings(load({ REDIS_URL: 'redis://h', CLUSTER_LIVENESS_GRACE_MS: '1000', EVENT_LOOP_LIVENESS_GRACE_MS: '1' }))).toEqual([
      expect.stringMatching(/^Environment variable CLUSTER_LIVENESS_GRACE_MS has no effect unless the Health API serves the actuator view/),
      expect.stringMatching(/^Environment variable EVENT_LOOP_LIVENESS_GRACE_MS has no effect unless .*Add actuator to HEALTH_VIEWS/),
    ]);
    expect(configWarnings(load({ HEALTH_TOKEN: 't', CLUSTER_LIVENESS_GRACE_MS: '1000' }))).toEqual([
      expect.stringMatching(/^Environment variable HEALTH_TOKEN has no effect with HEALTH_DETAILS=always/),
      expect.stringMatching(/^Environment variable CLUSTER_LIVENESS_GRACE_MS has no effect without REDIS_URL/),
    ]);
  });
});

describe('hideCredentials', () => {
  it('keeps the user, hides the password, leaves other values alone', () => {
    expect(hideCredentials('redis://user:secret@h:1')).toBe('redis://user:***@h:1');
    expect(hideCredentials('rediss://:secret@h')).toBe('rediss://:***@h');
    expect(hideCredentials('redis://secret@h')).toBe('redis://***@h');
    expect(hideCredentials('redis://h:1')).toBe('redis://h:1');
    expect(hideCredentials('user:pw@x')).toBe('user:pw@x');
  });
});

describe('assertMqttBindable', () => {
  it('passes an address of this host and refuses one it lacks or a name that does not resolve, naming MQTT_BIND', async () => {
    await expect(assertMqttBindable({ mqttBind: '127.0.0.1' })).resolves.toBeUndefined();
    await expect(assertMqttBindable({ mqttBind: '192.0.2.1' })).rejects.toThrow(
      'Environment variable MQTT_BIND: 192.0.2.1 is not an address of this host (EADDRNOTAVAIL).',
    );
    await expect(assertMqttBindable({ mqttBind: 'no such host!' })).rejects.toThrow(
      /^Environment variable MQTT_BIND: "no such host!" does not resolve/,
    );
  });
});
