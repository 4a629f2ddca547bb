export { StorageHealthIndicator } from './storage.health.js';
