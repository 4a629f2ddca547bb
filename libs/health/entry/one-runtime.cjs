'use strict';
// nestjs-mqtt-health ships an ES module build (dist) and a CommonJS build (cjs). The first of them
// loaded beside a given @nestjs/common serves every later load of the package, by import or by
// require: one HealthModule, one HealthService token, one @HealthIndicator registry per Nest, so an
// app that loads the package both ways has no second copy (no dual-package hazard). Keyed by
// @nestjs/common's Injectable: a test runner that reloads its modules (jest.resetModules) gets a
// fresh runtime with its fresh Nest.
const RUNTIMES = Symbol.for('nestjs-mqtt-health.runtimes');

/** The build that serves the Nest `injectable` belongs to: `build`, unless another one came first. */
module.exports = function oneRuntime(injectable, build) {
  const runtimes = (globalThis[RUNTIMES] ??= new WeakMap());
  if (!runtimes.has(injectable)) runtimes.set(injectable, build);
  return runtimes.get(injectable);
};
