import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { createHealthConfig } from '../options/health-config.js';
import { HealthEngine } from './health-engine.js';

beforeAll(() => {
  Logger.overrideLogger(false);
});

describe('lifecycle before registration', () => {
  it('accepts markStarted() and drain() before the indicators are registered', async () => {
    const config = createHealthConfig({ timeoutMs: 50, logTransitions: false });
    const engine = new HealthEngine(config);
    expect(() => engine.markStarted()).not.toThrow();
    await engine.drain();
    engine.register(
      [],
      config.groups.map((definition) => ({ definition, members: definition.members })),
    );
    const snapshot = engine.current();
    expect(snapshot.started).toBe(true);
    expect(snapshot.draining).toBe(true);
    expect(snapshot.groups.readiness.status).toBe('OUT_OF_SERVICE');
  });
});
