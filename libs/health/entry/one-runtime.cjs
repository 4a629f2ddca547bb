'use strict';
// nestjs-mqtt-health ships an ES module build (dist) and a CommonJS build (cjs). The first of them
// loaded beside a given @nestjs/common serves every later load of the same version of the package, by
// import or by require: one HealthModule, one HealthService token, one @HealthIndicator registry per
// Nest, so an app that loads the package both ways has no second copy (no dual-package hazard).
// Keyed by the version, so two versions installed side by side stay two libraries, and by
// @nestjs/common's Injectable, so a test runner that reloads its modules (jest.resetModules) gets a
// fresh runtime with its fresh Nest.
const { version } = require('../package.json');

const RUNTIMES = Symbol.for('nestjs-mqtt-health.runtimes');

/** The build that serves the Nest `injectable` belongs to: `build`, unless another one came first. */
module.exports = function oneRuntime(injectable, build) {
  const versions = (globalThis[RUNTIMES] ??= new Map());
  if (!versions.has(version)) versions.set(version, new WeakMap());
  const runtimes = versions.get(version);
  if (!runtimes.has(injectable)) runtimes.set(injectable, build);
  return runtimes.get(injectable);
};
