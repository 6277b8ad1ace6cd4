/**
 * The console's Vite build (web mode, e2e, and the Electron window all load this output). The
 * gateway serves `out/renderer` from the same origin as the API.
 */
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { CSP_DIRECTIVES } from '../src-main/shared/csp.js';

/** Strict CSP for built pages. Dev (HMR) needs inline preamble + websockets, so it is not applied there. */
export const CONTENT_SECURITY_POLICY = CSP_DIRECTIVES.join('; ');

function cspMeta(): Plugin {
  return {
    name: 'studio-csp',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
        injectTo: 'head-prepend',
      },
    ],
  };
}

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react(), cspMeta()],
  publicDir: fileURLToPath(new URL('./public', import.meta.url)),
  build: {
    outDir: fileURLToPath(new URL('../out/renderer', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
    target: 'es2022',
    // Monaco's CSS and workers make the bundler's own timing report fire on every build; it is a
    // profiling hint for plugin authors, not something a user of `npm start` can act on.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
});
