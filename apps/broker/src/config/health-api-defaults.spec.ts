import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadBrokerConfig } from './broker-config.js';

const scratch = mkdtempSync(join(tmpdir(), 'health-api-defaults-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The demo's Health API with no HEALTH_* variable set: HiveMQ's defaults (seed 004), reachable from this host only. */
describe('the demo Health API defaults', () => {
  const config = loadBrokerConfig({ DATA_DIR: join(scratch, 'data'), EXTENSIONS_DIR: '' });

  it('is on, and listens on 127.0.0.1:8889, never on every interface unless HEALTH_BIND says so', () => {
    expect({ enabled: config.healthEnabled, port: config.healthPort, bind: config.healthBind }).toEqual({
      enabled: true,
      port: 8889,
      bind: '127.0.0.1',
    });
  });

  it('serves the HiveMQ, FluxMQ and Kubernetes views', () => {
    expect(config.healthViews.map((entry) => entry.view)).toEqual(['hivemq', 'fluxmq', 'kubernetes']);
  });
});
