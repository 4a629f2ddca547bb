import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client, PublishPacket, Subscription } from 'aedes';
import type { BrokerConfig } from '../config/index.js';
import { MAX_PENDING_ANSWERS_PER_CLIENT } from './extension-hooks.js';
import { ExtensionHost } from './extension-host.service.js';

const HOOK_TIMEOUT_MS = 200;

/** Answers plainly on `sync/`, with a promise elsewhere: of false on `deny/`, never on `hang/`. */
const MIXED = `export default () => ({
  configure() { return {}; },
  authorizePublish(client, packet) {
    if (packet.topic.startsWith('sync/')) return packet.topic !== 'sync/deny';
    if (packet.topic.startsWith('hang/')) return new Promise(() => {});
    if (packet.topic.startsWith('ctor/')) {
      const answer = Promise.resolve(true);
      Object.defineProperty(answer, 'constructor', { get() { throw new Error('constructor getter'); } });
      return answer;
    }
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
    const config = {
      extensionsDir: dir,
      extensionStartTimeoutMs: 5000,
      extensionHookTimeoutMs: HOOK_TIMEOUT_MS,
      extensionFailureWindowMs: 300_000,
    } as BrokerConfig;
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

  it('answers exactly once, with a refusal, a promise whose constructor getter throws', async () => {
    const answers: Array<Error | null | undefined> = [];
    host.authorizePublish(client, packet('ctor/x'), (error) => answers.push(error));
    await new Promise((resolve) => setTimeout(resolve, HOOK_TIMEOUT_MS + 100));
    expect(answers).toEqual([new Error('publish to ctor/x refused by extension mixed')]);
    expect(host.extensions()[0].lastFailure).toBe('authorizePublish rejected with Error: constructor getter');
  });

  it('refuses a client at once, unasked, past its bound of pending answers, and still asks the others', async () => {
    const flooder = { id: 'flooder' } as Client;
    const pending: Array<Promise<Error | null | undefined>> = [];
    for (let i = 0; i < MAX_PENDING_ANSWERS_PER_CLIENT; i++) {
      pending.push(new Promise((resolve) => host.authorizePublish(flooder, packet(`hang/${i}`), (error) => resolve(error))));
    }
    const answers: Array<Error | null | undefined> = [];
    host.authorizePublish(flooder, packet('allowed/x'), (error) => answers.push(error));
    expect(answers).toEqual([new Error('publish to allowed/x refused by extension mixed')]);
    expect(host.extensions()[0].lastFailure).toBe(
      `authorizePublish not asked: too many pending hook answers for one client (${MAX_PENDING_ANSWERS_PER_CLIENT})`,
    );
    expect(await publish('allowed/y')).toBeNull();
    // Once they time out the client is asked again.
    expect((await Promise.all(pending)).every((answer) => answer instanceof Error)).toBe(true);
    expect(await new Promise((resolve) => host.authorizePublish(flooder, packet('allowed/z'), resolve))).toBeNull();
  });
});
