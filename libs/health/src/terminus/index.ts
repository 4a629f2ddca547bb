export { fromTerminusResult, checkWithTerminus, type TerminusIndicatorResult } from './terminus.adapter.js';
export { ResourcesHealthIndicator } from './resources.health.js';
