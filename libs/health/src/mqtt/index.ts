import { BrokerHealthIndicator } from './broker/index.js';
import { ClusterHealthIndicator } from './cluster/index.js';
import { ExtensionsHealthIndicator } from './extensions/index.js';
import { InfoHealthIndicator } from './info/index.js';
import { MqttListenersHealthIndicator } from './listeners/index.js';
import { StorageHealthIndicator } from './storage/index.js';

export {
  BrokerHealthIndicator,
  ClusterHealthIndicator,
  ExtensionsHealthIndicator,
  InfoHealthIndicator,
  MqttListenersHealthIndicator,
  StorageHealthIndicator,
};
export { listenerComponentName } from './listeners/index.js';
export { extensionComponent } from './extensions/index.js';
export * from './mqtt-health.constants.js';
export type * from './mqtt-health.interfaces.js';

/**
 * Every MQTT indicator, to list in an app's providers next to the tokens they read. `cluster` and
 * `extensions` leave themselves out when their token is not provided (or the cluster is disabled).
 */
export const MQTT_HEALTH_INDICATORS = [
  BrokerHealthIndicator,
  StorageHealthIndicator,
  ClusterHealthIndicator,
  MqttListenersHealthIndicator,
  ExtensionsHealthIndicator,
  InfoHealthIndicator,
] as const;
