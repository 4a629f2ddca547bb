// What the consumer test (scripts/consumer-test.mjs) builds: one app per row, each made the way `nest new`
// makes it today (generate.mjs renders the generator's own templates, stored under ./schematics-*), then
// adopted the way a user adopts the library (./adopt, ./adopt-fastify).
//
// Mirrored generators (their application templates are copied verbatim, with a `.template` suffix):
//   @nestjs/cli 11.0.24 `nest new`          -> @nestjs/schematics 11.1.0, files/ts      (CommonJS, Jest + ts-jest)
//   @nestjs/cli 12.0.15 `nest new` (default) -> @nestjs/schematics 12.0.17, files/ts-esm  (ESM, Vitest)
// Checked byte for byte against what those CLIs write (`nest new <name> --skip-install --skip-git`; 11.0.13
// writes the same files as 11.0.24). The test notes when the CLI or schematics the apps install are other
// versions than these (time to re-copy the templates).
//
// The Nest packages are pinned to the newest 11.x / 12.x on the registry (the highest of `npm view @nestjs/core@11 version --json`,
// same for @nestjs/platform-fastify@11); every other devDependency stays as the generator writes it.

const NEST11 = '11.2.12';
const NEST12 = '12.6.3';
const FASTIFY11 = '11.2.8';

export const GENERATORS = {
  nest11: {
    cli: '11.0.24',
    schematics: '11.1.0',
    dir: 'schematics-11.1.0/ts',
    // @nestjs/cli 11 `nest new` defaults: --strict false; schematic defaults for the rest.
    options: { version: '0.0.1', description: '', author: '', strict: false, spec: true, specFileSuffix: 'spec', packageManager: 'npm' },
  },
  nest12: {
    cli: '12.0.15',
    schematics: '12.0.17',
    dir: 'schematics-12.0.17/ts-esm',
    // @nestjs/cli 12 `nest new` defaults: --type esm, --strict true, no observe, no agent skills, not minimal.
    options: {
      version: '0.0.1',
      description: '',
      author: '',
      strict: true,
      spec: true,
      specFileSuffix: 'spec',
      packageManager: 'npm',
      type: 'esm',
      observe: false,
      minimal: false,
      skills: [],
    },
  },
};

const pin = (version, names) => Object.fromEntries(names.map((name) => [name, version]));

export const APPS = [
  {
    name: 'nest11-cjs',
    generator: 'nest11',
    modules: 'CJS nodenext',
    esm: false,
    dependencies: pin(NEST11, ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express']),
    devDependencies: pin(NEST11, ['@nestjs/testing']),
  },
  {
    // A Nest 11 app that stays on TypeScript 5.4 with the classic CommonJS settings older CLIs generated
    // (module commonjs, node resolution, target ES2021: TypeScript 5.4 has no ES2023 target).
    // ts-jest 29 takes TypeScript >=4.3 <7; Jest 30's types need TypeScript 5.4+.
    name: 'nest11-cjs-ts54',
    generator: 'nest11',
    modules: 'CJS commonjs',
    esm: false,
    dependencies: pin(NEST11, ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express']),
    devDependencies: { ...pin(NEST11, ['@nestjs/testing']), typescript: '5.4.5' },
    tsconfig: (options) => {
      delete options.resolvePackageJsonExports; // TS5098: only with node16, nodenext or bundler resolution
      return { ...options, module: 'commonjs', moduleResolution: 'node', target: 'ES2021' };
    },
  },
  {
    // The same TypeScript 5.4 with the generated `nodenext` settings (TypeScript before 5.8 refused `import`
    // of an ES-module-only package there, TS1479); only the target drops to ES2022.
    name: 'nest11-ts54-nodenext',
    generator: 'nest11',
    modules: 'CJS nodenext',
    esm: false,
    dependencies: pin(NEST11, ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express']),
    devDependencies: { ...pin(NEST11, ['@nestjs/testing']), typescript: '5.4.5' },
    tsconfig: (options) => ({ ...options, target: 'ES2022' }),
  },
  {
    // The Nest 11 app switched to Fastify as https://docs.nestjs.com/techniques/performance describes.
    name: 'nest11-fastify',
    generator: 'nest11',
    modules: 'CJS nodenext',
    esm: false,
    fastify: true,
    dependencies: pin(NEST11, ['@nestjs/common', '@nestjs/core']),
    addDependencies: { '@nestjs/platform-fastify': FASTIFY11 },
    removeDependencies: ['@nestjs/platform-express'],
    devDependencies: pin(NEST11, ['@nestjs/testing']),
  },
  {
    name: 'nest12-esm',
    generator: 'nest12',
    modules: 'ESM nodenext',
    esm: true,
    dependencies: pin(NEST12, ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express']),
    devDependencies: pin(NEST12, ['@nestjs/testing']),
  },
];
