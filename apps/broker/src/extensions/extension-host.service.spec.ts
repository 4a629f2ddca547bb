import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client, PublishPacket, Subscription } from 'aedes';
import type { BrokerConfig } from '../config/index.js';
import { ExtensionHost } from './extension-host.service.js';

const HOOK_TIMEOUT_MS = 200;

/** Answers plainly on `sync/`, with a promise elsewhere: of false on `deny/`, never on `hang/`. */
const MIXED = `export default () => ({
  configure() { return {}; },
  authorizePublish(client, packet) {
    if (packet.topic.startsWith('sync/')) return packet.topic !== 'sync/deny';
    if (packet.topic.startsWith('hang/')) return new Promise(() => {});
    return Promise.resolve(!packet.topic.startsWith('deny/'));
  },
  authorizeSubscribe(client, subscription) {
    return subscription.topic === 'sync/ok';
  },
});`;

describe('ExtensionHost hooks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'extension-host-spec-'));
  let host: ExtensionHost;
  const client = { id: 'c1' } as Client;
  const packet = (topic: string) =>
    ({ cmd: 'publish', topic, payload: Buffer.from('x'), qos: 1, retain: false, dup: false }) as PublishPacket;
  const publish = (topic: string) =>
    new Promise<Error | null | undefined>((resolve) => host.authorizePublish(client, packet(topic), (error) => resolve(error)));

  beforeAll(async () => {
    mkdirSync(join(dir, 'mixed', 'conf'), { recursive: true });
    const manifest = { id: 'mixed', name: 'mixed', version: '1.0.0', author: 'test', main: 'index.mjs' };
    writeFileSync(join(dir, 'mixed', 'extension.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, 'mixed', 'index.mjs'), MIXED);
    writeFileSync(join(dir, 'mixed', 'conf', 'config.json'), '{}');
    const config = { extensionsDir: dir, extensionStartTimeoutMs: 5000, extensionHookTimeoutMs: HOOK_TIMEOUT_MS } as BrokerConfig;
    host = new ExtensionHost(config);
    await host.start();
  });

  afterAll(async () => {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decides before returning when every hook answers with a plain value: no promise on the publish path', () => {
    const answers: Array<Error | null | undefined> = [];
    host.authorizePublish(client, packet('sync/ok'), (error) => answers.push(error));
    host.authorizePublish(client, packet('sync/deny'), (error) => answers.push(error));
    const granted: Array<Subscription | null | undefined> = [];
    host.authorizeSubscribe(client, { topic: 'sync/ok', qos: 1 } as Subscription, (_error, subscription) => granted.push(subscription));
    host.authorizeSubscribe(client, { topic: 'sync/no', qos: 1 } as Subscription, (_error, subscription) => granted.push(subscription));
    expect(answers).toEqual([null, new Error('publish to sync/deny refused by extension mixed')]);
    expect(granted).toEqual([{ topic: 'sync/ok', qos: 1 }, null]);
  });

  it('waits for a promise: false refuses, true allows, no answer within EXTENSION_HOOK_TIMEOUT_MS refuses', async () => {
    expect(await publish('deny/x')).toEqual(new Error('publish to deny/x refused by extension mixed'));
    expect(await publish('allowed/x')).toBeNull();
    const askedAt = Date.now();
    expect(await publish('hang/x')).toEqual(new Error('publish to hang/x refused by extension mixed'));
    expect(Date.now() - askedAt).toBeGreaterThanOrEqual(HOOK_TIMEOUT_MS - 20);
    expect(host.extensions()[0].lastFailure).toBe(
      `authorizePublish did not settle within ${HOOK_TIMEOUT_MS} ms (EXTENSION_HOOK_TIMEOUT_MS)`,
    );
  });
});
