import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { BRIEF_TAGS } from '../tests/support/brief-ids.js';

/** End-to-end specs: one fork, sequential (one browser, one gateway per file; the machine has 2 cores). */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['e2e/**/*.spec.ts'],
    testTimeout: 90_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default'],
    tags: BRIEF_TAGS,
    strictTags: true,
  },
});
