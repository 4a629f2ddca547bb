export { EventLoopHealthIndicator, eventLoopComponent, EVENT_LOOP_WINDOW_MS, type EventLoopInterval } from './event-loop.health.js';
