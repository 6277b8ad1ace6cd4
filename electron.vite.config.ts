/**
 * Desktop build: main process, preload and the console in one file (`electron-vite build`).
 * The console config is shared with web mode (src-renderer/vite.config.ts).
 */
import { defineConfig } from 'electron-vite';
import { fileURLToPath } from 'node:url';
import rendererConfig from './src-renderer/vite.config.js';

const r = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  main: {
    build: {
      outDir: r('./out/main'),
      rollupOptions: {
        input: {
          index: r('./src-main/index.ts'),
          // The recordings writer thread is started from a file beside the main bundle.
          'recordings-writer-worker': r('./src-server/store/recordings-writer-worker.ts'),
        },
        external: ['better-sqlite3'],
      },
    },
  },
  preload: {
    build: {
      outDir: r('./out/preload'),
      // A sandboxed preload must be CommonJS.
      rollupOptions: {
        input: { index: r('./src-main/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    ...rendererConfig,
    build: { ...rendererConfig.build, rollupOptions: { input: { index: r('./src-renderer/index.html') } } },
  },
});
