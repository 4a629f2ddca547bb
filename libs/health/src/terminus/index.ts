export { fromTerminusResult, checkWithTerminus } from './terminus.adapter.js';
export { ResourcesHealthIndicator } from './resources.health.js';
