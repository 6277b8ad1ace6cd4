import { defineConfig } from 'vitest/config';
import { BRIEF_TAGS } from './tests/support/brief-ids.js';

export default defineConfig({
  test: {
    include: [
      'src-server/**/*.test.ts',
      'tests/**/*.test.ts',
      'src-main/**/*.test.ts',
      'src-renderer/**/*.test.ts',
      // Component tests of the console (React Testing Library in happy-dom, set per file).
      'src-renderer/**/*.test.tsx',
      'bench/**/*.test.ts',
    ],
    // Bounds against hangs, not timings: the suite must pass beside another run on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Fails the run when a process it started is still running at the end (tests/support/leftover-processes.ts).
    // PostgreSQL and Redis of this run for the X8 tests (tests/support/test-services.ts); listed
    // second so that they are stopped before the leftover-process check runs.
    globalSetup: ['./tests/support/leftover-processes.ts', './tests/support/test-services.ts'],
    // expect.poll waits for a condition, it does not time the product: a bound that a loaded machine never reaches.
    expect: { poll: { timeout: 15_000 } },
    reporters: ['default'],
    // Brief IDs (tests/support/brief-ids.ts): `test('…', { tags: ['C1'] }, fn)`.
    tags: BRIEF_TAGS,
    strictTags: true,
  },
});
