/** What a hook sees of the client (null for the broker's own publishes, such as wills). */
export interface ExtensionClient {
  readonly id: string;
}

export interface ExtensionPublish {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: number;
  readonly retain: boolean;
}

export interface ExtensionSubscription {
  readonly topic: string;
  readonly qos: number;
}

/**
 * An extension's entry module default-exports a factory of these. The host calls the factory and
 * `configure()` on every start and every configuration change; a new configuration replaces the
 * running one only if `configure()` accepts it.
 */
export interface BrokerExtension {
  /**
   * Checks and applies `conf/config.json`; throws (or rejects) when it is invalid. Returns facts shown under
   * `application/configuration`. Loading and configure() must finish within EXTENSION_START_TIMEOUT_MS.
   */
  configure(config: unknown): ConfigureResult | Promise<ConfigureResult>;
  /**
   * Return (or resolve to) false to refuse the publish: Aedes then disconnects the client, as for any refused
   * publish. A throw, a rejection, or no answer within EXTENSION_HOOK_TIMEOUT_MS refuses it too.
   */
  authorizePublish?(client: ExtensionClient | null, packet: ExtensionPublish): HookAnswer;
  /** Return (or resolve to) false to refuse the subscription (SUBACK failure 0x80); failures as for authorizePublish. */
  authorizeSubscribe?(client: ExtensionClient, subscription: ExtensionSubscription): HookAnswer;
  /** Called when the extension is disabled, replaced by a reconfigured instance, or the broker stops (which awaits it). */
  stop?(): void | Promise<void>;
}

export type ConfigureResult = Record<string, unknown> | void;

/** `false` refuses; anything else allows. A plain value keeps the publish path synchronous. */
export type HookAnswer = boolean | void | Promise<boolean | void>;

export type BrokerExtensionFactory = () => BrokerExtension;

/** `extension.json`. */
export interface ExtensionManifest {
  id: string;
  name: string;
  version: string;
  author: string;
  /** Hooks of higher-priority extensions run first. */
  priority: number;
  /** Extensions with a higher start-priority start first. */
  'start-priority': number;
  enabled: boolean;
  /** The entry module, relative to the extension's folder. Default `index.js`. */
  main: string;
}
