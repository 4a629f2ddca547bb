/**
 * Injection tokens through which the MQTT indicators read a broker. The app provides them
 * (`{ provide: MQTT_BROKER_STATE, useExisting: MyBrokerService }`); the library never imports the app.
 */
export const MQTT_BROKER_STATE = Symbol('MQTT_BROKER_STATE');
export const MQTT_STORAGE_PROBE = Symbol('MQTT_STORAGE_PROBE');
export const MQTT_CLUSTER_MEMBERSHIP = Symbol('MQTT_CLUSTER_MEMBERSHIP');
export const MQTT_LISTENERS = Symbol('MQTT_LISTENERS');
export const MQTT_EXTENSIONS = Symbol('MQTT_EXTENSIONS');
export const MQTT_BROKER_INFO = Symbol('MQTT_BROKER_INFO');

/** Optional: how close to its expiry (ms) a served certificate makes its listener DEGRADED. */
export const MQTT_CERT_EXPIRY_WARNING_MS = Symbol('MQTT_CERT_EXPIRY_WARNING_MS');

/** Default of MQTT_CERT_EXPIRY_WARNING_MS: 14 days. */
export const DEFAULT_CERT_EXPIRY_WARNING_MS = 14 * 24 * 3600 * 1000;
