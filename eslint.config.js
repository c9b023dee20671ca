// ESLint (flat config) for the JavaScript of the pages, the scripts, the tests and the
// benchmarks: the recommended rules (undefined names, unused variables, unreachable code...).
// Formatting is Prettier's (.prettierrc.json); ./test.sh runs both.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['node_modules/', 'build/', 'build-*/', 'dist/', 'web/generated/', 'python/attention_plot/static/', 'test-artifacts/', 'bench/results/'] },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      'no-unused-vars': ['error', { args: 'none', caughtErrors: 'none', ignoreRestSiblings: true }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
];
