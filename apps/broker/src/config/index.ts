export { loadBrokerConfig, BrokerConfigError, type BrokerConfig, type LogLevel, type HealthViewName } from './broker-config.js';
export { BROKER_CONFIG } from './broker-config.constants.js';
