export * from './health-status.js';
export * from './health-component.interface.js';
export * from './status-order.js';
export * from './component-tree.js';
