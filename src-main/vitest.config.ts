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
    // Fails the run when a process it started is still running at the end (tests/support/leftover-processes.ts).
    globalSetup: ['./tests/support/leftover-processes.ts'],
    // expect.poll waits for a condition, it does not time the product: a bound that a loaded machine never reaches.
    expect: { poll: { timeout: 15_000 } },
  },
});
