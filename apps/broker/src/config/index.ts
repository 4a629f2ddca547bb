export { loadBrokerConfig, BrokerConfigError, BUNDLED_EXTENSIONS_DIR, type BrokerConfig, type LogLevel } from './broker-config.js';
export type { HealthViewEntry, HealthViewName } from './health-views.js';
export { BROKER_CONFIG } from './broker-config.constants.js';
