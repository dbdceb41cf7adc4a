// ESLint flat config: `npm run lint` (part of `npm test`).
//
// Formatting is enforced by these lint rules (no Prettier; they encode the code's existing hand style):
//   @stylistic/quotes single (double quotes or a template literal only to avoid escaping a quote),
//   @stylistic/semi always, @stylistic/indent 2 (a ternary may be offset; the members of an object type in a union,
//   `| {`, keep their own indentation), @stylistic/comma-dangle always-multiline, @stylistic/no-trailing-spaces,
//   @stylistic/eol-last, @stylistic/no-multiple-empty-lines (max 1, none at the start or end of a file).
//   Long lines are allowed (no max-len).
//
// Correctness: @eslint/js recommended everywhere, typescript-eslint recommended on TS/TSX, Figma's
// @figma/eslint-plugin-figma-plugins recommended on plugin/ (typed: the only project linted with type
// information, which also enables @typescript-eslint/no-floating-promises there), no-console in the code that runs
// in Figma, the panel, the engine and the tests (the CLI, scripts, bench and the demo builder print).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import stylistic from '@stylistic/eslint-plugin';
import * as figmaPlugins from '@figma/eslint-plugin-figma-plugins';
import globals from 'globals';
import { defineConfig } from 'eslint/config';

const unusedVars = ['error', { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }];

export default defineConfig(
  {
    ignores: [
      'dist/**',
      '.tsbuild/**',
      'node_modules/**',
      'models/packs/**',
      '**/__pycache__/**',
      'tmp/**',
      'bench/.build/**', // the bench's bundles (bench/bundle.mjs)
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  {
    name: 'facetext/style',
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'avoidEscape' }],
      '@stylistic/semi': ['error', 'always'],
      '@stylistic/indent': ['error', 2, { offsetTernaryExpressions: true, ignoredNodes: ['TSUnionType > TSTypeLiteral'] }],
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/no-trailing-spaces': 'error',
      '@stylistic/eol-last': 'error',
      '@stylistic/no-multiple-empty-lines': ['error', { max: 1, maxEOF: 0, maxBOF: 0 }],
    },
  },
  {
    name: 'facetext/js',
    files: ['**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-unused-vars': unusedVars },
  },
  {
    name: 'facetext/ts',
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommended],
    rules: { '@typescript-eslint/no-unused-vars': unusedVars },
  },
  {
    name: 'facetext/plugin',
    files: ['plugin/**/*.ts'],
    extends: [figmaPlugins.flatConfigs.recommended],
    languageOptions: {
      parserOptions: { project: './plugin/tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
  {
    // Tests record figures with vitest's annotate(), never console.log.
    name: 'facetext/no-console',
    files: ['plugin/**', 'ui/**', 'contract/**', 'test/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
);
