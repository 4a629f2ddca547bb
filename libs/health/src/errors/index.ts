export * from './health.errors.js';
