/** Builds the console (Vite) when its output is missing or older than its sources. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RENDERER_SRC = join(REPO_ROOT, 'src-renderer');
export const CONSOLE_OUT = join(REPO_ROOT, 'out', 'renderer');
export const RENDERER_CONFIG = join(RENDERER_SRC, 'vite.config.ts');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.endsWith('.test.ts')) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** True when out/renderer is older than src-renderer or src-server/shared (which it bundles). */
export function consoleIsStale(): boolean {
  const index = join(CONSOLE_OUT, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return newestMtime(RENDERER_SRC) > built || newestMtime(join(REPO_ROOT, 'src-server', 'shared')) > built;
}

export async function buildConsole(options: { force?: boolean; quiet?: boolean } = {}): Promise<string> {
  if (!options.force && !consoleIsStale()) return CONSOLE_OUT;
  const { build } = await import('vite');
  if (!options.quiet) console.log('Building the console…');
  // Vite keeps a NODE_ENV set by the caller (vitest sets 'test'), which would bundle React's
  // development build; the console is always built for production.
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: RENDERER_CONFIG, mode: 'production', logLevel: options.quiet ? 'error' : 'warn' });
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
  return CONSOLE_OUT;
}
