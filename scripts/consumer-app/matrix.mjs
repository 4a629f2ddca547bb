// What the consumer test (scripts/consumer-test.mjs) installs and builds: one app directory per
// install, one matrix row per tsconfig variant built from that install (sources: ./src).

// The newest 11.x and 12.x releases (`npm view @nestjs/core versions --json`, same for terminus), and
// the TypeScript major each CLI's `nest new` installs (^5.7.3 for Nest 11, ^6.0.2 for Nest 12).
const BASE = { 'reflect-metadata': '0.2.2', rxjs: '7.8.2', '@types/node': '20.19.43' };
const nest = (core, terminus, typescript) => ({
  ...BASE,
  '@nestjs/common': core,
  '@nestjs/core': core,
  '@nestjs/platform-express': core,
  '@nestjs/terminus': terminus,
  typescript,
});
// `nest new`'s tsconfig (@nestjs/schematics 11 and 12), without the incremental and source-map output.
const NEST_NEW = {
  module: 'nodenext',
  moduleResolution: 'nodenext',
  resolvePackageJsonExports: true,
  esModuleInterop: true,
  isolatedModules: true,
  removeComments: true,
  emitDecoratorMetadata: true,
  experimentalDecorators: true,
  allowSyntheticDefaultImports: true,
  target: 'ES2023',
  skipLibCheck: true,
  strictNullChecks: true,
  forceConsistentCasingInFileNames: true,
  types: ['node'],
  rootDir: 'src',
};
// The CommonJS setup of older Nest CLIs, which many Nest 11 apps still carry.
const CLASSIC = { ...NEST_NEW, module: 'commonjs', moduleResolution: 'node10', target: 'ES2021', resolvePackageJsonExports: undefined };
export const APPS = [
  {
    dir: 'nest11-cjs',
    deps: nest('11.2.10', '11.1.1', '5.9.3'),
    variants: [
      { name: 'nest11-cjs', module: 'CJS nodenext', options: NEST_NEW },
      { name: 'nest11-cjs-classic', module: 'CJS commonjs/node10', options: CLASSIC },
    ],
  },
  {
    dir: 'nest12-esm',
    type: 'module',
    deps: nest('12.5.1', '12.1.0', '6.0.3'),
    variants: [{ name: 'nest12-esm', module: 'ESM nodenext', options: NEST_NEW }],
  },
];
