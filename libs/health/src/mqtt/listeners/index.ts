export { MqttListenersHealthIndicator, listenerComponentName } from './mqtt.health.js';
