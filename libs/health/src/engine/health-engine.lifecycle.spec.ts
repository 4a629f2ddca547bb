import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { createHealthConfig } from '../options/health-config.js';
import { engineWith, groupInputs, indicator } from '../testing/health-test-kit.js';
import { HealthEngine } from './health-engine.js';

beforeAll(() => {
  Logger.overrideLogger(false);
});

describe('lifecycle before the indicators are found', () => {
  it('accepts markStarted() and drain() before module init', async () => {
    const config = createHealthConfig({ timeoutMs: 50, logTransitions: false });
    const engine = new HealthEngine(config, () => ({ indicators: [], groups: groupInputs(config) }));
    expect(() => engine.markStarted()).not.toThrow();
    await engine.drain();
    engine.onModuleInit();
    const snapshot = engine.current();
    expect(snapshot.started).toBe(true);
    expect(snapshot.draining).toBe(true);
    expect(snapshot.groups.readiness.status).toBe('OUT_OF_SERVICE');
  });
});

describe('the engine before module init', () => {
  it('says that the module has not been initialised instead of answering without indicators', () => {
    const config = createHealthConfig({ logTransitions: false });
    const find = jest.fn(() => ({ indicators: [], groups: groupInputs(config) }));
    const engine = new HealthEngine(config, find);
    expect(() => engine.current()).toThrow(/Nest has not initialised HealthModule/);
    expect(find).not.toHaveBeenCalled();
    engine.onModuleInit();
    expect(find).toHaveBeenCalledTimes(1);
    expect(engine.current().groups.readiness.status).toBe('OUT_OF_SERVICE');
  });

  it('publishes a lifecycle change made after module init', () => {
    const config = createHealthConfig({ logTransitions: false });
    const engine = new HealthEngine(config, () => ({ indicators: [], groups: groupInputs(config) }));
    engine.onModuleInit();
    expect(engine.current().started).toBe(false);
    void engine.markStarted();
    expect(engine.current().started).toBe(true);
    expect(engine.started).toBe(true);
  });
});

describe('start-up completing', () => {
  it('checks every member again at once, so the first answers after start-up are not what they said while starting', async () => {
    let open = false;
    const store = indicator('storage', () => (open ? { status: 'UP' } : { status: 'DOWN', details: { reason: 'storage not open yet' } }));
    const engine = engineWith([store], { startup: 'manual', groups: { readiness: { members: ['storage'] } } });
    await engine.refresh();
    expect(engine.current().groups.readiness.components.storage.status).toBe('DOWN');
    open = true;
    const started = engine.markStarted();
    // Start-up completes with the recheck, never before it: no answer in between says started with stale members.
    expect(engine.current().started).toBe(false);
    expect(engine.markStarted()).toBe(started);
    await started;
    expect(engine.current().started).toBe(true);
    expect(engine.current().groups.readiness.status).toBe('UP');
    // Once started, marking it again checks nothing more.
    open = false;
    await engine.markStarted();
    await new Promise((resolve) => setImmediate(resolve));
    expect(engine.current().groups.readiness.status).toBe('UP');
  });
});

describe('shutdown', () => {
  const up = () => indicator('db', () => ({ status: 'UP' }));

  it('does not drain on a plain app.close(): no signal, and the app did not ask', async () => {
    const engine = engineWith([up()], { drainMs: 60_000 });
    await engine.beforeApplicationShutdown();
    expect(engine.draining).toBe(false);
    expect(engine.current().draining).toBe(false);
  });

  it('drains when a signal closes the app (Nest passes it with enableShutdownHooks)', async () => {
    const engine = engineWith([up()], { drainMs: 10 });
    const closing = engine.beforeApplicationShutdown('SIGTERM');
    expect(engine.draining).toBe(true);
    expect(engine.current().groups.readiness).toMatchObject({ status: 'OUT_OF_SERVICE', details: { reason: 'draining' } });
    await closing;
  });

  it('waits for the drain the app began itself (HealthService.drain() before app.close())', async () => {
    const engine = engineWith([up()], { drainMs: 30 });
    const drained = engine.drain();
    let closed = false;
    const closing = engine.beforeApplicationShutdown().then(() => (closed = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(closed).toBe(false);
    await drained;
    await closing;
    expect(closed).toBe(true);
  });
});
