/** How @swc/jest compiles the TypeScript sources; test/readme's loader compiles README examples the same way. */
export const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^nestjs-mqtt-health$': '<rootDir>/libs/health/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

/**
 * Two projects: `unit` (the specs beside the sources, no build, a few seconds: `npm run test:unit`) and
 * `e2e` (real brokers, redis-server and haproxy started by the tests: `npm run test:e2e`). `npm test` runs both.
 *
 * @type {import('jest').Config}
 */
export default {
  testTimeout: 30000,
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/libs', '<rootDir>/apps'], testMatch: ['**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      // The broker tests start apps/broker/dist/main.js as real child processes.
      globalSetup: '<rootDir>/test/support/build-broker.js',
    },
  ],
};
