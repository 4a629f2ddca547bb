export { MqttListenersHealthIndicator, listenerComponentName } from './mqtt-listeners.health.js';
