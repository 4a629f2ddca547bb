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
const file = (path) => `${LIB}${path.replace(/\./g, '\\.')}$`;
/** Modules that open or accept connections: Node's socket modules and the WebSocket server. */
const SOCKETS = ['^(node:)?(net|http|https|http2|tls|dgram)$', '(^|/)node_modules/(@types/)?ws/'];

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
      name: 'options-only-model-errors-groups',
      severity: 'error',
      comment: 'options/ may import only model/, errors/, groups/ and options/.',
      from: { path: layer('options') },
      to: { path: LIB, pathNot: anyOf('model', 'errors', 'groups', 'options') },
    },
    {
      name: 'groups-only-model-errors',
      severity: 'error',
      comment: 'groups/ may import only model/, errors/ and groups/.',
      from: { path: layer('groups') },
      to: { path: LIB, pathNot: anyOf('model', 'errors', 'groups') },
    },
    {
      name: 'engine-not-to-outer-layers',
      severity: 'error',
      comment: 'engine/ must not import views/, transports/, metrics/, indicator/, mqtt/, terminus/, runtime/.',
      from: { path: layer('engine') },
      to: { path: anyOf('views', 'transports', 'metrics', 'fleet', 'indicator', 'mqtt', 'terminus', 'runtime') },
    },
    {
      name: 'views-not-to-outer-layers',
      severity: 'error',
      comment: 'views/ must not import engine/, transports/, metrics/, indicator/, mqtt/, terminus/, runtime/.',
      from: { path: layer('views') },
      to: { path: anyOf('engine', 'transports', 'metrics', 'fleet', 'indicator', 'mqtt', 'terminus', 'runtime') },
    },
    {
      name: 'views-framework-free',
      severity: 'error',
      comment: 'views/ are pure: no @nestjs/*, no node:http, no node:net.',
      from: { path: layer('views') },
      to: { path: ['(^|/)@nestjs/', '^(node:)?(http|net)$'] },
    },
    {
      name: 'metrics-reads-the-model',
      severity: 'error',
      comment:
        'metrics/ reads snapshots: model/, groups/ (verdicts), options/ (the config), the HEALTH_CONFIG token, and of the engine only health-engine.ts (current() and checks$). Never views/ or transports/.',
      from: { path: layer('metrics') },
      to: {
        path: LIB,
        pathNot: [
          anyOf('metrics', 'model', 'groups', 'options'),
          file('engine/health-engine.ts'),
          file('fleet/health-fleet.ts'),
          file('health.constants.ts'),
        ],
      },
    },
    {
      name: 'fleet-reads-the-engine',
      severity: 'error',
      comment:
        "fleet/ folds this node's snapshot with its peers' summaries: model/, errors/, groups/ (failure texts), options/ (the config), the HEALTH_CONFIG token, and of the engine only health-engine.ts (current(), checks$, changes$). Never views/, transports/ or metrics/.",
      from: { path: layer('fleet') },
      to: {
        path: LIB,
        pathNot: [anyOf('fleet', 'model', 'errors', 'groups', 'options'), file('engine/health-engine.ts'), file('health.constants.ts')],
      },
    },
    {
      name: 'indicators-not-to-outer-layers',
      severity: 'error',
      comment:
        'Indicators and their discovery (indicator/, mqtt/, terminus/, runtime/) must not import engine/, transports/, views/ or metrics/: the engine asks the explorer, never the other way round.',
      from: { path: anyOf('indicator', 'mqtt', 'terminus', 'runtime') },
      to: { path: anyOf('engine', 'transports', 'views', 'metrics') },
    },
    {
      name: 'sockets-only-in-transports-and-cli',
      severity: 'error',
      comment: 'Only transports/ and cli/ import node:net, node:http(s/2), node:tls, node:dgram or ws.',
      from: { path: LIB, pathNot: anyOf('transports', 'cli') },
      to: { path: SOCKETS },
    },
    {
      name: 'cli-stands-apart',
      severity: 'error',
      comment: 'cli/ (the probe command) imports nothing else from the library, so it starts without Nest.',
      from: { path: layer('cli') },
      to: { path: LIB, pathNot: layer('cli') },
    },
    {
      name: 'testing-only-from-specs',
      severity: 'error',
      comment:
        'testing/ holds the one test kit; only specs import it. Specs are not cruised (see options.exclude), so any import of testing/ seen here comes from library code.',
      from: { pathNot: layer('testing') },
      to: { path: layer('testing') },
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
    // Specs may reach across layers to build fixtures; the test kit is cruised so that testing-only-from-specs sees who imports it.
    exclude: { path: '\\.spec\\.ts$' },
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
