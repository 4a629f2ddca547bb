export { AgentCheckServer } from './agent-check.server.js';
export { createHealthController, DEFAULT_HEALTH_PATH } from './health.controller.js';
export { HealthListeners, type BoundListener } from './health-listeners.js';
export { HealthRequestHandler } from './health-request.handler.js';
export { HealthTransports } from './health-transports.js';
