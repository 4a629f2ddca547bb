import type { Client, PublishPacket, Subscription } from 'aedes';
import { escapeClientText } from './extension-error.util.js';
import type { ExtensionHooks, HookName } from './extension-hooks.js';
import type { BrokerExtension } from './extension.interface.js';
import type { LoadedExtension } from './loaded-extension.interface.js';

/** Asks the started extensions, in hook order, whether a client may publish or subscribe; the first refusal decides. */
export class ExtensionAuthorizer {
  /** Started extensions in hook order (priority, highest first). */
  private chain: LoadedExtension[] = [];

  constructor(private readonly hooks: ExtensionHooks) {}

  /** Whether any extension runs, i.e. whether hooks need calling at all. */
  get active(): boolean {
    return this.chain.length > 0;
  }

  /** Takes the started ones of `loaded` as the new chain; requests already being decided keep the chain they began with. */
  rebuild(loaded: readonly LoadedExtension[]): void {
    this.chain = loaded.filter((e) => e.instance).sort((a, b) => b.manifest.priority - a.manifest.priority);
  }

  clear(): void {
    this.chain = [];
  }

  authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    const chain = this.chain;
    if (chain.length === 0) return callback(null);
    const { topic, payload, qos, retain } = packet;
    const view = { topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos, retain };
    const who = client && { id: client.id };
    this.decide(
      chain,
      0,
      'authorizePublish',
      client,
      (instance) => instance.authorizePublish!(who, view),
      (refusedBy) => callback(refusedBy ? new Error(`publish to ${escapeClientText(topic)} refused by extension ${refusedBy}`) : null),
    );
  }

  authorizeSubscribe(
    client: Client,
    subscription: Subscription,
    callback: (error: Error | null, subscription?: Subscription | null) => void,
  ): void {
    const chain = this.chain;
    if (chain.length === 0) return callback(null, subscription);
    const who = { id: client.id };
    this.decide(
      chain,
      0,
      'authorizeSubscribe',
      client,
      (instance) => instance.authorizeSubscribe!(who, subscription),
      (refusedBy) => callback(null, refusedBy ? null : subscription),
    );
  }

  /**
   * Asks the extensions of `chain` from `from` on, in priority order, until one refuses; `done` gets the id of the
   * one that refused. It is called synchronously when every hook answered with a plain value.
   */
  private decide(
    chain: readonly LoadedExtension[],
    from: number,
    hook: HookName,
    client: Client | null,
    call: (instance: BrokerExtension) => unknown,
    done: (refusedBy?: string) => void,
  ): void {
    for (let i = from; i < chain.length; i++) {
      const extension = chain[i];
      const instance = extension.instance;
      if (!instance?.[hook]) continue;
      const verdict = this.hooks.ask(extension, hook, instance, client, call);
      if (verdict === true) continue;
      if (verdict === false) return done(extension.manifest.id);
      // The verdict never rejects (ExtensionHooks); should it ever, the client is still answered, with a refusal.
      void verdict.then(
        (allowed) => (allowed ? this.decide(chain, i + 1, hook, client, call, done) : done(extension.manifest.id)),
        () => done(extension.manifest.id),
      );
      return;
    }
    done();
  }
}
