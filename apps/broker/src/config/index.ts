export {
  loadBrokerConfig,
  configWarnings,
  hideCredentials,
  BrokerConfigError,
  BUNDLED_EXTENSIONS_DIR,
  isNodeId,
  MAX_DRAIN_MS,
  ZEEBE_CLUSTER_GRACE_MS,
  ZEEBE_TIMEOUT_GRACE_MS,
  type BrokerConfig,
  type LogLevel,
} from './broker-config.js';
export { assertMqttBindable, healthAddressVariable, isAddressError, unbindableAddressLine } from './bind-address.js';
export type { HealthListenerPlan, HealthViewEntry, HealthViewName } from './health-views.js';
export { BROKER_CONFIG } from './broker-config.constants.js';
