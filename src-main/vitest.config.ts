import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { BRIEF_TAGS } from '../tests/support/brief-ids.js';

/**
 * Unit tests of the shell and the console's logic (node environment, real loopback HTTP) and the
 * console's component tests (`*.test.tsx`, each in happy-dom through its environment comment).
 */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['src-main/**/*.test.ts', 'src-renderer/**/*.test.ts', 'src-renderer/**/*.test.tsx'],
    testTimeout: 30_000,
    pool: 'forks',
    tags: BRIEF_TAGS,
    strictTags: true,
  },
});
