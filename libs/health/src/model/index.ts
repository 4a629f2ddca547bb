export * from './health-status.js';
export * from './health-component.interface.js';
export * from './status-order.js';
export * from './component-tree.js';
export * from './health-group.interface.js';
export * from './health-snapshot.interface.js';
export * from './health-indicator.interface.js';
export * from './registered-indicator.interface.js';
