/**
 * Layering of libs/health/src and the demo app, enforced by dependency-cruiser
 * (`npm run lint:deps`). Unlike eslint's import-x/no-cycle, this counts
 * type-only imports (`tsPreCompilationDeps: true`), so a cycle or layer breach
 * made of `import type` alone is still an error.
 */
const LIB = '^libs/health/src/';
const APP = '^apps/broker/src/';
const layer = (name) => `${LIB}${name}/`;
const anyOf = (...names) => `${LIB}(${names.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles at all, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'A relative import must resolve to a file.',
      from: {},
      to: { couldNotResolve: true, path: '^\\.\\.?/' },
    },
    {
      name: 'model-is-a-leaf',
      severity: 'error',
      comment: 'model/ imports nothing else from the library (model/ itself is fine).',
      from: { path: layer('model') },
      to: { path: LIB, pathNot: layer('model') },
    },
    {
      name: 'errors-is-a-leaf',
      severity: 'error',
      comment: 'errors/ imports nothing else from the library (errors/ itself is fine).',
      from: { path: layer('errors') },
      to: { path: LIB, pathNot: layer('errors') },
    },
    {
      name: 'options-only-model-errors',
      severity: 'error',
      comment: 'options/ may import only model/, errors/ and options/.',
      from: { path: layer('options') },
      to: { path: LIB, pathNot: anyOf('model', 'errors', 'options') },
    },
    {
      name: 'groups-only-model',
      severity: 'error',
      comment: 'groups/ may import only model/ and groups/.',
      from: { path: layer('groups') },
      to: { path: LIB, pathNot: anyOf('model', 'groups') },
    },
    {
      name: 'engine-not-to-outer-layers',
      severity: 'error',
      comment: 'engine/ must not import views/, transports/, metrics/, indicator/, mqtt/, terminus/.',
      from: { path: layer('engine') },
      to: { path: anyOf('views', 'transports', 'metrics', 'indicator', 'mqtt', 'terminus') },
    },
    {
      name: 'views-not-to-outer-layers',
      severity: 'error',
      comment: 'views/ must not import engine/, transports/, metrics/, indicator/, mqtt/, terminus/.',
      from: { path: layer('views') },
      to: { path: anyOf('engine', 'transports', 'metrics', 'indicator', 'mqtt', 'terminus') },
    },
    {
      name: 'views-framework-free',
      severity: 'error',
      comment: 'views/ are pure: no @nestjs/*, no node:http, no node:net.',
      from: { path: layer('views') },
      to: { path: ['(^|/)@nestjs/', '^(node:)?(http|net)$'] },
    },
    {
      name: 'metrics-not-to-transports',
      severity: 'error',
      comment: 'metrics/ must not import transports/.',
      from: { path: layer('metrics') },
      to: { path: layer('transports') },
    },
    {
      name: 'lib-not-to-apps',
      severity: 'error',
      comment: 'Nothing in libs/ imports apps/.',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'app-uses-package-name-only',
      severity: 'error',
      comment:
        "apps/broker/src imports the library only as 'nestjs-mqtt-health' (tsconfig paths -> libs/health/src/index.ts), never by a path into libs/.",
      from: { path: APP },
      to: { path: '^libs/', dependencyTypesNot: ['aliased-tsconfig-paths'] },
    },
    {
      name: 'app-uses-package-root-only',
      severity: 'error',
      comment: "apps/broker/src may reach only the library's public entry point, libs/health/src/index.ts.",
      from: { path: APP },
      to: { path: '^libs/', pathNot: `${LIB}index\\.ts$` },
    },
  ],
  options: {
    // Specs and their test kits may reach across layers to build fixtures.
    exclude: { path: '(\\.spec|-test-kit)\\.ts$' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
