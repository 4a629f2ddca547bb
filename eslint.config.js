// ESLint 9 flat config (ESM). Formatting is Prettier's job: eslint-config-prettier switches style rules off.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import prettierConfig from 'eslint-config-prettier';

const linted = ['libs/**/*.ts', 'apps/**/*.ts', 'test/**/*.ts', 'bench/**/*.{ts,js}', 'scripts/**/*.mjs'];

export default defineConfig(
  { ignores: ['**/dist/**', 'libs/health/cjs/**', '**/node_modules/**', 'coverage/**', '.bench/**', 'data/**'] },
  {
    files: linted,
    extends: [tseslint.configs.recommended],
    rules: {
      // Unused bindings are allowed when deliberately named with a leading underscore.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    // Import cycles: resolved through tsconfig.json, so `./x.js` specifiers map to `./x.ts` sources
    // and `nestjs-mqtt-health` maps to libs/health/src/index.ts (tsconfig "paths").
    files: ['libs/**/*.ts', 'apps/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Without these two, import-x treats .ts modules as unparseable and the cycle rule silently sees no graph.
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json', alwaysTryTypes: true })],
    },
    rules: {
      'import-x/no-cycle': ['error', { maxDepth: '∞' }],
    },
  },
  {
    // Type-aware rules: a promise nobody awaits or handles, or one handed where a void callback is expected
    // (a timer, an event listener), loses its rejection. One TypeScript program for the whole repo
    // (tsconfig.json covers libs, apps and test) keeps `npm run lint` near 15 s.
    files: ['libs/**/*.ts', 'apps/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  prettierConfig,
);
