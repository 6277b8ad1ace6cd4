import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

/** Unit tests of the shell and the console's logic (node environment, real loopback HTTP). */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['src-main/**/*.test.ts', 'src-renderer/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    // Fails the run when a process it started is still running at the end (tests/support/leftover-processes.ts).
    globalSetup: ['./tests/support/leftover-processes.ts'],
    // expect.poll waits for a condition, it does not time the product: a bound that a loaded machine never reaches.
    expect: { poll: { timeout: 15_000 } },
  },
});
