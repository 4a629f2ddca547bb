import { afterAll, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll } from '../support/broker-process.js';

const brokers: BrokerProcess[] = [];
afterAll(() => stopAll(brokers));

async function get(broker: BrokerProcess, path: string, token?: string): Promise<{ status: number; text: string }> {
  const headers = token ? { authorization: `Bearer ${token}` } : undefined;
  const response = await fetch(`http://127.0.0.1:${broker.healthPort}${path}`, { headers, signal: AbortSignal.timeout(2000) });
  return { status: response.status, text: await response.text() };
}

describe('demo broker details visibility (HEALTH_DETAILS, HEALTH_TOKEN)', () => {
  it('hides details from everyone with HEALTH_DETAILS=never', async () => {
    const broker = await BrokerProcess.start({ env: { HEALTH_DETAILS: 'never', NODE_ID: 'secret-node-7' } });
    brokers.push(broker);
    const system = await get(broker, '/api/v1/health');
    expect(system.status).toBe(200);
    expect(system.text).not.toContain('details');
    expect(JSON.parse(system.text).components.storage).toEqual({ status: 'UP' });
    // FluxMQ's /cluster/status too: no node id, no leadership, no session count.
    const clusterStatus = await get(broker, '/cluster/status');
    expect(clusterStatus.status).toBe(200);
    expect(JSON.parse(clusterStatus.text)).toEqual({ cluster_mode: false });
  });

  it('shows details only to a request with the bearer token under HEALTH_DETAILS=when-authorized', async () => {
    const broker = await BrokerProcess.start({
      env: { HEALTH_DETAILS: 'when-authorized', HEALTH_TOKEN: 's3cret-token', NODE_ID: 'secret-node-8' },
    });
    brokers.push(broker);
    for (const path of ['/api/v1/health', '/api/v1/health/readiness', '/ready']) {
      const anonymous = await get(broker, path);
      expect(anonymous.status).toBe(200);
      expect(anonymous.text).not.toContain('network-dependency');
      expect((await get(broker, path, 'wrong-token')).text).not.toContain('network-dependency');
    }
    const authorized = await get(broker, '/api/v1/health', 's3cret-token');
    expect(JSON.parse(authorized.text).components.storage.details).toEqual({ type: 'level', 'network-dependency': false });
    for (const token of [undefined, 'wrong-token']) {
      const clusterStatus = await get(broker, '/cluster/status', token);
      expect({ token, status: clusterStatus.status, body: JSON.parse(clusterStatus.text) }).toEqual({
        token,
        status: 200,
        body: { cluster_mode: false },
      });
    }
    // FluxMQ names a node without clustering "single-node".
    expect(JSON.parse((await get(broker, '/cluster/status', 's3cret-token')).text)).toEqual({
      node_id: 'single-node',
      is_leader: false,
      cluster_mode: false,
      sessions: 0,
    });
  });

  it('reads the authorization scheme case-insensitively and refuses anything but the exact token', async () => {
    const broker = await BrokerProcess.start({ env: { HEALTH_DETAILS: 'when-authorized', HEALTH_TOKEN: 'case-token' } });
    brokers.push(broker);
    const shows = async (authorization: string) => {
      const response = await fetch(`http://127.0.0.1:${broker.healthPort}/api/v1/health`, {
        headers: { authorization },
        signal: AbortSignal.timeout(2000),
      });
      return (await response.text()).includes('network-dependency');
    };
    for (const accepted of ['Bearer case-token', 'bearer case-token', 'BEARER  case-token'])
      expect({ accepted, shows: await shows(accepted) }).toEqual({ accepted, shows: true });
    for (const refused of ['Bearer case-token2', 'Bearer', 'Basic case-token', 'Bearercase-token', 'Bearer case-token extra'])
      expect({ refused, shows: await shows(refused) }).toEqual({ refused, shows: false });
  });
});
