import { describe, expect, it } from '@jest/globals';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthLifecycle } from '../model/health-snapshot.interface.js';
import { createHealthConfig } from '../options/health-config.js';
import { config, degradedMqtt, mqtt, RUNNING, snapshotOf, VIEW_OPTIONS } from '../testing/health-test-kit.js';
import { haproxyAgentReply } from './haproxy-agent.view.js';

const reply = (components: Record<string, HealthComponent>, lifecycle: HealthLifecycle = RUNNING, c = config) =>
  haproxyAgentReply(snapshotOf(components, VIEW_OPTIONS, lifecycle), c);

describe('haproxyAgentReply', () => {
  it('answers full weight when readiness is UP', () => {
    expect(reply({ cluster: { status: 'UP' }, mqtt: mqtt() })).toBe('up ready 100%\n');
  });

  it('answers the configured weight for a degraded node, naming the members not UP', () => {
    const weighted = createHealthConfig({ ...VIEW_OPTIONS, agentCheck: { degradedWeightPercent: 25 } });
    expect(reply({ cluster: { status: 'UP' }, mqtt: degradedMqtt }, RUNNING, weighted)).toBe('up ready 25% #degraded: mqtt\n');
    expect(reply({ cluster: { status: 'DEGRADED' }, mqtt: degradedMqtt })).toBe('up ready 50% #degraded: cluster,mqtt\n');
  });

  it('answers down naming the failing members, never their error text', () => {
    const down = { status: 'DOWN', details: { reason: 'redis://admin:secret@10.0.0.5 refused' } } as const;
    expect(reply({ cluster: down, mqtt: mqtt() })).toBe('down #cluster unavailable\n');
    expect(reply({ cluster: down, mqtt: mqtt({ status: 'DOWN' }) })).toBe('down #cluster,mqtt unavailable\n');
  });

  it('names the failing members root cause first: broker, storage, cluster, listeners, then the rest', () => {
    const options = { groups: { readiness: { members: ['extensions', 'mqtt', 'cluster', 'storage', 'broker'] } } };
    const down = { status: 'DOWN' } as const;
    const components = { extensions: down, mqtt: mqtt(down), cluster: down, storage: down, broker: down };
    expect(haproxyAgentReply(snapshotOf(components, options), createHealthConfig(options))).toBe(
      'down #broker,storage,cluster,mqtt,extensions unavailable\n',
    );
  });

  it('answers down #starting before start-up completes, whatever the members say', () => {
    expect(reply({ cluster: { status: 'UP' } }, { started: false, draining: false })).toBe('down #starting\n');
  });

  it('names what fails while starting, root cause first: a broker waiting for its storage blames the storage', () => {
    const notStarted = { started: false, draining: false };
    const components: Record<string, HealthComponent> = {
      broker: { status: 'DOWN', details: { reason: 'waiting for storage: redis unreachable', 'waiting-for': 'storage' } },
      storage: { status: 'DOWN', details: { reason: 'storage unavailable' } },
      cluster: { status: 'DOWN', details: { reason: 'redis unreachable' } },
    };
    const options = { groups: { readiness: { members: ['cluster', 'storage', 'broker'] } } };
    const answer = haproxyAgentReply(snapshotOf(components, options, notStarted), createHealthConfig(options));
    expect(answer).toBe('down #starting: storage,broker,cluster unavailable\n');
  });

  it('answers down #starting while a readiness member is still starting after start-up', () => {
    const starting = { status: 'UNKNOWN', details: { reason: 'starting' } } as const;
    expect(reply({ cluster: starting, mqtt: mqtt() })).toBe('down #starting\n');
    expect(reply({ cluster: { status: 'UP' }, mqtt: mqtt(starting) })).toBe('down #starting\n');
  });

  it('answers drain #draining while shutting down, even before start-up completed', () => {
    expect(reply({ cluster: { status: 'UP' } }, { started: true, draining: true })).toBe('drain #draining\n');
    expect(reply({ cluster: { status: 'DOWN' } }, { started: true, draining: true })).toBe('drain #draining\n');
    expect(reply({ cluster: { status: 'UP' } }, { started: false, draining: true })).toBe('drain #draining\n');
  });
});
