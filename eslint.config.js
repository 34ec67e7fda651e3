// ESLint flat config: the recommended JavaScript and typescript-eslint rules for the bot, the actions'
// sources and tests, the test support code and the benchmarks. Bundled output is generated, not linted.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/**', 'actions/*/dist/**', 'node_modules/**', 'coverage/**'] },
  {
    files: [
      'src/**/*.ts',
      'actions/*/src/**/*.ts',
      'actions/*/test/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'scripts/**/*.ts',
    ],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      // `_`-prefixed names mark parameters a signature requires but the body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
