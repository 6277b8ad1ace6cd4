import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'src-server/**/*.test.ts',
      'tests/**/*.test.ts',
      'src-main/**/*.test.ts',
      'src-renderer/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
