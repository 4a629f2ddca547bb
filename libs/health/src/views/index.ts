export { BUILT_IN_VIEWS, VIEW_NAMES } from './view-registry.js';
export { HIVEMQ_VIEW } from './hivemq.view.js';
export { haproxyAgentReply } from './haproxy-agent.view.js';
export { dashboardState, visibleTransition, type DashboardState, type DashboardUpdate } from './dashboard/dashboard.view.js';
export { jsonResponse, methodNotAllowed, notFound, type ViewResponse } from './view-response.js';
export type { HealthView, ViewContext, ViewRoute } from './health-view.interface.js';
