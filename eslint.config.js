import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['node_modules', 'out', 'dist', 'coverage', 'release', '.vite', 'docs/images', 'bench/results'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Plain Node scripts users copy (examples/): Node's globals, as they run.
    files: ['examples/**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', fetch: 'readonly', URL: 'readonly' },
    },
  },
  {
    files: ['src-renderer/**/*.tsx', 'src-renderer/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    // One logger, passed in: the gateway's layers log through the Logger they are given.
    files: [
      'src-server/{engine,store,backends,recording,sessions,observability,http,crypto,limits,summaries,tenancy,shared}/**/*.ts',
    ],
    ignores: ['**/*.test.ts', 'src-server/store/bench-store.ts', 'src-server/store/testing/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // The request path: in V8 an object literal that spreads an object and then adds keys (or
    // spreads another) is built by the runtime, microseconds per request (docs/benchmark.md,
    // "Object spreads"). To change keys of a copy, copy with `{ ...o }` and assign; to add or merge
    // keys, write the fields out or use Object.assign on the gateway's own objects.
    files: [
      'src-server/http/{server,responses-route,respond,sse-writer,response-writer}.ts',
      'src-server/engine/{response-builder,event-emitter,response-run}.ts',
      'src-server/responses/service.ts',
      'src-server/backends/http/*.ts',
      'src-server/logging/*.ts',
      'src-server/observability/log-tail.ts',
    ],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ObjectExpression > SpreadElement ~ *',
          message:
            'On the request path, a spread followed by more fields is slow in V8 when they add keys: copy with { ...o } and assign, write the fields out, or use Object.assign (docs/benchmark.md, "Object spreads").',
        },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // shared/ is isomorphic: the console imports it, so no Node built-ins there.
    files: ['src-server/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*'], message: 'shared/ must stay isomorphic (no node: imports).' }] },
      ],
    },
  },
);
