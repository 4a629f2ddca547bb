import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { HealthModule, HealthService, HealthStatus, type HealthModuleOptions, type HealthTransition } from 'nestjs-mqtt-health';
import type { Subscription } from 'rxjs';
import { PLATFORMS } from './support/boot.js';
import { ClusterHealthIndicator, MqttHealthIndicator, StorageHealthIndicator } from './support/broker.health.js';
import { API, api, FAST, RecordingLogger, refreshed, startApp } from './support/health-app.js';

const { UP, DEGRADED, DOWN, OUT_OF_SERVICE, DEGRADED_SERVICE } = HealthStatus;

/** Readiness: cluster and storage by decorator, mqtt through the options. */
const OPTIONS: HealthModuleOptions = { ...FAST, groups: { readiness: { members: ['mqtt'] } } };
const INDICATORS = [ClusterHealthIndicator, MqttHealthIndicator, StorageHealthIndicator];

/** Probes every kind of answer a few times: none of them may produce a transition or a log line. */
async function probeEverything(app: INestApplication): Promise<void> {
  for (let round = 0; round < 3; round++) {
    for (const path of [API, `${API}/liveness`, `${API}/readiness`, `${API}/mqtt/tls-tcp-listener-8883`, `${API}/storage`]) {
      await api(app).get(path);
      await api(app).head(path);
    }
    await refreshed(app);
  }
}

describe.each(PLATFORMS)('status transitions on %s', (platform) => {
  let app: INestApplication;
  let logger: RecordingLogger;
  let storage: StorageHealthIndicator;
  let mqtt: MqttHealthIndicator;
  let subscription: Subscription;
  let events: HealthTransition[];

  beforeAll(async () => {
    logger = new RecordingLogger();
    app = await startApp(
      platform,
      { imports: [HealthModule.forRoot({ ...OPTIONS, resources: false })], providers: INDICATORS },
      { logger },
    );
    storage = app.get(StorageHealthIndicator);
    mqtt = app.get(MqttHealthIndicator);
  });

  beforeEach(() => {
    events = [];
    subscription = app.get(HealthService).changes$.subscribe((event) => events.push(event));
    logger.clear();
  });

  afterEach(async () => {
    subscription.unsubscribe();
    storage.reset();
    mqtt.reset();
    await refreshed(app);
  });

  afterAll(() => app.close());

  it('emits one transition per changed component and group, with the failure reason', async () => {
    const before = Date.now();
    storage.failure = new Error('disk full');
    await refreshed(app);

    expect(events).toHaveLength(2);
    expect(events).toEqual(
      expect.arrayContaining([
        { kind: 'component', path: 'storage', from: UP, to: DOWN, at: expect.any(Number), reason: 'disk full' },
        { kind: 'group', path: 'readiness', from: UP, to: OUT_OF_SERVICE, at: expect.any(Number) },
      ]),
    );
    for (const event of events) expect(event.at).toBeGreaterThanOrEqual(before);
  });

  it('emits the transitions of a sub-component under its path, and of its parent', async () => {
    mqtt.tls = DEGRADED;
    await refreshed(app);

    expect(events).toHaveLength(3);
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'component', path: 'mqtt/tls-tcp-listener-8883', from: UP, to: DEGRADED }),
        expect.objectContaining({ kind: 'component', path: 'mqtt', from: UP, to: DEGRADED }),
        expect.objectContaining({ kind: 'group', path: 'readiness', from: UP, to: DEGRADED_SERVICE }),
      ]),
    );
  });

  it('emits nothing while probes and refreshes find no change', async () => {
    await probeEverything(app);

    expect(events).toEqual([]);
  });

  it('emits nothing more while a component stays DOWN', async () => {
    storage.failure = new Error('disk full');
    await refreshed(app);
    expect(events).toHaveLength(2);

    await probeEverything(app);

    expect(events).toHaveLength(2);
  });

  it('emits the way back to UP, without a reason', async () => {
    storage.failure = new Error('disk full');
    await refreshed(app);
    events.length = 0;

    storage.reset();
    await refreshed(app);

    expect(events).toEqual(
      expect.arrayContaining([
        { kind: 'component', path: 'storage', from: DOWN, to: UP, at: expect.any(Number) },
        { kind: 'group', path: 'readiness', from: OUT_OF_SERVICE, to: UP, at: expect.any(Number) },
      ]),
    );
    expect(events).toHaveLength(2);
  });

  it('logs exactly one line per transition, a warning for a failure, naming the path', async () => {
    storage.failure = new Error('disk full');
    await refreshed(app);

    const lines = logger.of('Health');
    expect(lines).toHaveLength(events.length);
    for (const event of events) {
      expect(lines.filter((line) => line.message.includes(`${event.path}:`))).toEqual([expect.objectContaining({ level: 'warn' })]);
    }
    expect(lines.find((line) => line.message.startsWith('storage:'))?.message).toContain('disk full');
  });

  it('logs the recovery as an ordinary line, one per transition', async () => {
    storage.failure = new Error('disk full');
    await refreshed(app);
    events.length = 0;
    logger.clear();

    storage.reset();
    await refreshed(app);

    const lines = logger.of('Health');
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(
      expect.arrayContaining(
        events.map((event) => expect.objectContaining({ level: 'log', message: expect.stringContaining(`${event.path}:`) })),
      ),
    );
  });

  it('logs nothing for probes and refreshes that find no change', async () => {
    storage.failure = new Error('disk full');
    await refreshed(app);
    logger.clear();

    await probeEverything(app);

    expect(logger.of('Health')).toEqual([]);
  });
});

describe.each(PLATFORMS)('logTransitions: false on %s', (platform) => {
  let app: INestApplication;
  let logger: RecordingLogger;

  beforeAll(async () => {
    logger = new RecordingLogger();
    app = await startApp(
      platform,
      { imports: [HealthModule.forRoot({ ...OPTIONS, logTransitions: false, resources: false })], providers: INDICATORS },
      { logger },
    );
  });

  afterAll(() => app.close());

  it('still emits transitions but logs none', async () => {
    const events: HealthTransition[] = [];
    const subscription = app.get(HealthService).changes$.subscribe((event) => events.push(event));
    logger.clear();

    app.get(StorageHealthIndicator).failure = new Error('disk full');
    await refreshed(app);
    subscription.unsubscribe();

    expect(events).toHaveLength(2);
    expect(logger.of('Health')).toEqual([]);
  });
});

describe.each(PLATFORMS)('the change stream on %s', (platform) => {
  it('completes when the app closes', async () => {
    const app = await startApp(platform, { imports: [HealthModule.forRoot({ ...OPTIONS, resources: false })], providers: INDICATORS });
    let completed = false;
    app.get(HealthService).changes$.subscribe({ complete: () => (completed = true) });

    await app.close();

    expect(completed).toBe(true);
  });
});
