import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

/** Unit tests of the shell and the console's logic (node environment, real loopback HTTP). */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['src-main/**/*.test.ts', 'src-renderer/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
