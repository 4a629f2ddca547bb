export { ExtensionsHealthIndicator, extensionComponent } from './extensions.health.js';
