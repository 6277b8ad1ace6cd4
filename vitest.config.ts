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
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
    // Brief IDs (tests/support/brief-ids.ts): `test('…', { tags: ['C1'] }, fn)`.
    tags: BRIEF_TAGS,
    strictTags: true,
  },
});
