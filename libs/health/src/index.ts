// The public surface of nestjs-mqtt-health: each name a user can import, nothing internal.
export { HealthModule } from './health.module.js';
export { HEALTH_MODULE_OPTIONS } from './health.module-definition.js';
export { HealthService } from './health.service.js';
export { HealthIndicator } from './indicator/health-indicator.decorator.js';
export { HealthConfigError, HealthError, HealthIndicatorDefinitionError } from './errors/index.js';
export {
  DEFAULT_HTTP_STATUS,
  DEFAULT_STATUS_ORDER,
  HEALTH_STATUSES,
  HealthStatus,
  isHealthStatus,
  READINESS_MAPPING,
  FLEET_MEMBER_STATUSES,
  type CheckStats,
  type FleetMember,
  type FleetMemberStatus,
  type FleetNodeState,
  type FleetPeer,
  type FleetSnapshot,
  type FleetSource,
  type FleetSummary,
  type HealthComponentCheck,
  type HealthComponent,
  type HealthDetails,
  type HealthGroupResult,
  type HealthIndicatorOptions,
  type HealthLifecycle,
  type HealthSnapshot,
  type HealthTransition,
} from './model/index.js';
export { STARTING_REASON } from './groups/verdicts.js';
export type {
  CheckMode,
  DetailsVisibility,
  HealthApiOptions,
  HealthGroupOptions,
  HealthListenerOptions,
  HealthModuleExtras,
  HealthModuleOptions,
  HealthViewMountOptions,
  ResourcesOptions,
  StartupMode,
  ViewName,
} from './options/health-options.interface.js';
export type { ViewResponse } from './views/view-response.js';
export { fleetBody, fleetMemberBody, fleetStatusBody } from './views/fleet.view.js';
export { MAX_SUMMARY_BYTES, parseSummary } from './fleet/fleet-summary.js';
export type { BoundListener } from './transports/health-listeners.js';
export { HealthMetrics, METRIC_PREFIX } from './metrics/index.js';
export { checkWithTerminus, fromTerminusResult, ResourcesHealthIndicator, type TerminusIndicatorResult } from './terminus/index.js';
export { EventLoopHealthIndicator } from './runtime/index.js';
export {
  BrokerHealthIndicator,
  ClusterHealthIndicator,
  DEFAULT_CERT_EXPIRY_WARNING_MS,
  extensionComponent,
  ExtensionsHealthIndicator,
  InfoHealthIndicator,
  listenerComponentName,
  MQTT_BROKER_INFO,
  MQTT_BROKER_STATE,
  MQTT_CERT_EXPIRY_WARNING_MS,
  MQTT_CLUSTER_MEMBERSHIP,
  MQTT_EXTENSIONS,
  MQTT_HEALTH_INDICATORS,
  MQTT_LISTENERS,
  MQTT_STORAGE_PROBE,
  MqttListenersHealthIndicator,
  StorageHealthIndicator,
  type BrokerInfo,
  type BrokerState,
  type ClusterMembership,
  type ClusterNodeState,
  type ClusterPeer,
  type ExtensionSource,
  type ExtensionState,
  type MqttListenerSource,
  type MqttListenerState,
  type MqttListenerType,
  type StorageProbe,
} from './mqtt/index.js';
