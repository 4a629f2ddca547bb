export { InfoHealthIndicator } from './info.health.js';
