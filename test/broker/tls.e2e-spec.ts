import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { closeAll, connect } from '../support/mqtt-clients.js';
import { freePort, hasBinary, tempDir, waitFor } from '../support/processes.js';

const describeWithOpenssl = hasBinary('openssl') ? describe : describe.skip;

/** A self-signed certificate for 127.0.0.1, valid for `days`. */
function makeCertificate(dir: string, name: string, days: number): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const result = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      String(days),
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr}`);
  return { cert, key };
}

const fingerprint = (path: string) => new X509Certificate(readFileSync(path)).fingerprint256;

describeWithOpenssl('demo broker TLS listener', () => {
  const dir = tempDir('broker-tls-');
  const brokers: BrokerProcess[] = [];
  const clients: MqttClient[] = [];
  let first: { cert: string; key: string };
  let second: { cert: string; key: string };
  let expiring: { cert: string; key: string };

  const startTls = async (cert: string, key: string, waitFor: 'ready' | 'health' = 'ready') => {
    const port = await freePort();
    const env = { ...(await faultMatrixEnv()), MQTT_TLS_PORT: String(port), TLS_CERT: cert, TLS_KEY: key };
    const broker = await BrokerProcess.start({ env, waitFor });
    brokers.push(broker);
    return { broker, port, listener: async () => (await broker.health(`mqtt/tls-tcp-listener-${port}`)).body };
  };
  const tlsClient = async (port: number, ca: string) => {
    const client = await connect(`mqtts://127.0.0.1:${port}`, { ca: readFileSync(ca), rejectUnauthorized: true });
    clients.push(client);
    return client;
  };
  const servedFingerprint = (client: MqttClient) => (client.stream as TLSSocket).getPeerCertificate().fingerprint256;

  beforeAll(() => {
    first = makeCertificate(dir.path, 'first', 365);
    second = makeCertificate(dir.path, 'second', 365);
    expiring = makeCertificate(dir.path, 'expiring', 1);
  });
  afterAll(async () => {
    await closeAll(clients);
    await stopAll(brokers);
    dir.remove();
  });

  it('reports a listener whose certificate is unusable at boot as DOWN, readiness 503, TCP still serving', async () => {
    const garbage = join(dir.path, 'garbage.crt');
    writeFileSync(garbage, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
    const { broker, port, listener } = await startTls(garbage, first.key, 'health');
    const state = await waitFor(
      async () => {
        const l = await listener();
        return l.details?.['last-tls-failure'] && l;
      },
      5000,
      'the TLS listener to fail',
    );
    expect(state).toMatchObject({
      status: 'DOWN',
      details: {
        'bind-address': '127.0.0.1',
        'is-running': false,
        port,
        type: 'TCP Listener with TLS',
        'last-tls-failure': expect.stringMatching(/^TLS setup failed: /),
      },
    });
    expect((await broker.health('readiness')).status).toBe(503);
    await recordFault('Certificate unusable at start', 29, broker);
    const tcp = await connect(broker.mqttUrl);
    expect(tcp.connected).toBe(true);
    await tcp.endAsync();
  });

  it('serves TLS, keeps the old certificate and turns DEGRADED when the new one is garbage, and recovers on a good one', async () => {
    const cert = join(dir.path, 'live.crt');
    const key = join(dir.path, 'live.key');
    copyFileSync(first.cert, cert);
    copyFileSync(first.key, key);
    const { broker, port, listener } = await startTls(cert, key);
    expect(await listener()).toEqual({
      status: 'UP',
      details: {
        'bind-address': '127.0.0.1',
        'is-proxy-protocol-supported': false,
        'is-running': true,
        port,
        type: 'TCP Listener with TLS',
      },
    });
    expect(servedFingerprint(await tlsClient(port, first.cert))).toBe(fingerprint(first.cert));

    writeFileSync(cert, 'garbage');
    const writtenAt = Date.now();
    const degraded = await waitFor(
      async () => {
        const l = await listener();
        return l.status === 'DEGRADED' && l;
      },
      5000,
      'the listener to report the failed reload',
    );
    expect(degraded.details['last-tls-failure']).toMatch(/^TLS reload failed, still serving the previous certificate: /);
    await recordFault('Certificate reload rejected', 30, broker, Date.now() - writtenAt);
    expect(degraded.details['is-running']).toBe(true);
    // TLS clients still connect, with the certificate loaded before.
    expect(servedFingerprint(await tlsClient(port, first.cert))).toBe(fingerprint(first.cert));

    copyFileSync(second.key, key);
    copyFileSync(second.cert, cert);
    await waitFor(async () => (await listener()).status === 'UP', 5000, 'the listener to recover');
    expect((await listener()).details['last-tls-failure']).toBeUndefined();
    expect(servedFingerprint(await tlsClient(port, second.cert))).toBe(fingerprint(second.cert));
  }, 30_000);

  it('reports a certificate close to expiry as DEGRADED', async () => {
    const { port, broker, listener } = await startTls(expiring.cert, expiring.key, 'health');
    const state = await waitFor(
      async () => {
        const l = await listener();
        return l.status === 'DEGRADED' && l;
      },
      5000,
      'the expiring certificate',
    );
    expect(state.details.reason).toMatch(/^certificate expires at \d{4}-/);
    expect(servedFingerprint(await tlsClient(port, expiring.cert))).toBe(fingerprint(expiring.cert));
    const readiness = await broker.health('readiness');
    expect(readiness.status).toBe(200);
    expect(readiness.body.status).toBe('DEGRADED_SERVICE');
  });
});
