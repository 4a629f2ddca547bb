import type { BrokerExtension, ExtensionManifest } from './extension.interface.js';

/** What the host keeps per extension folder, running or not, so a failed one still shows in the health report. */
export interface LoadedExtension {
  readonly folder: string;
  manifest: ExtensionManifest;
  instance?: BrokerExtension;
  startedAt?: number;
  reloadedAt?: number;
  configuration?: Record<string, unknown>;
  lastStartupFailure?: string;
  lastFailure?: string;
  /** When lastFailure happened (epoch ms): it keeps the extension DEGRADED for EXTENSION_FAILURE_WINDOW_MS. */
  lastFailureAt?: number;
  /** Whether a hook of it has answered in time, without throwing or rejecting, since lastFailureAt. */
  answeredSinceFailure?: boolean;
  lastConfigurationFailure?: string;
}
