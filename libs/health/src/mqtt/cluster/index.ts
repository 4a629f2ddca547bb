export { ClusterHealthIndicator } from './cluster.health.js';
