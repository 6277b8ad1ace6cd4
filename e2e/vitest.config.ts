import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { BRIEF_TAGS } from '../tests/support/brief-ids.js';

/** End-to-end specs: one fork, sequential (one browser, one gateway per file; the machine has 2 cores). */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['e2e/**/*.spec.ts'],
    // Bounds against hangs, far above a run on a loaded machine (harness.ts RUN_WAIT_MS).
    testTimeout: 240_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Fails the run when a process it started is still running at the end (tests/support/leftover-processes.ts).
    globalSetup: ['./tests/support/leftover-processes.ts'],
    // expect.poll waits for a condition, it does not time the product: a bound that a loaded machine never reaches.
    expect: { poll: { timeout: 15_000 } },
    fileParallelism: false,
    reporters: ['default'],
    tags: BRIEF_TAGS,
    strictTags: true,
  },
});
