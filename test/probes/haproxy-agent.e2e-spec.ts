import { afterEach, describe, expect, it } from '@jest/globals';
import { HealthStatus } from 'nestjs-mqtt-health';
import { agentReply } from '../support/processes.js';
import { bootProbeApp, state, type ProbeApp } from './probe-app.js';

let probe: ProbeApp | undefined;
afterEach(async () => {
  await probe?.app.close();
  probe = undefined;
});

describe('HAProxy agent-check', () => {
  it('answers weight, drain and down from the readiness group', async () => {
    probe = await bootProbeApp({ startup: 'manual', drainMs: 600, agentCheck: { enabled: true, port: 0, degradedWeightPercent: 25 } });
    const port = probe.health.agentCheckPort()!;
    expect(await agentReply(port)).toBe('down #starting\n');
    await probe.health.markStartupComplete();
    expect(await agentReply(port)).toBe('up ready 100%\n');

    state.cluster = { status: HealthStatus.DEGRADED, details: { reason: '1/2 peers reachable' } };
    await probe.health.refresh();
    expect(await agentReply(port)).toBe('up ready 25% #degraded: cluster\n');

    state.storage = { status: HealthStatus.DOWN, details: { reason: 'ECONNREFUSED' } };
    await probe.health.refresh();
    expect(await agentReply(port)).toBe('down #storage unavailable\n');

    state.storage = { status: HealthStatus.UP };
    await probe.health.refresh();
    void probe.health.drain();
    const closing = probe.app.close();
    probe = undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await agentReply(port)).toBe('drain #draining\n');
    await closing;
    await expect(agentReply(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refreshes before answering in on-request mode, with no HTTP probe in between', async () => {
    probe = await bootProbeApp({ checkMode: 'on-request', agentCheck: { enabled: true, port: 0 } });
    const port = probe.health.agentCheckPort()!;
    expect(await agentReply(port)).toBe('up ready 100%\n');
    state.storage = { status: HealthStatus.DOWN };
    expect(await agentReply(port)).toBe('down #storage unavailable\n');
  });

  it('is off by default and validates its options', async () => {
    probe = await bootProbeApp();
    expect(probe.health.agentCheckPort()).toBeUndefined();
    await expect(bootProbeApp({ agentCheck: { enabled: true, degradedWeightPercent: 0 } })).rejects.toThrow(
      /agentCheck\.degradedWeightPercent/,
    );
  });
});
