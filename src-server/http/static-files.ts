/**
 * Serves the console's built files (web mode and the desktop window) from one directory, with
 * the single-page-app fallback: unknown paths without a file extension get index.html.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { RequestContext } from './respond.js';
import { processingHeader } from './respond.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

async function fileAt(path: string): Promise<{ path: string; size: number } | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? { path, size: s.size } : null;
  } catch {
    return null;
  }
}

/** Answers the request from `root` and returns true, or returns false when nothing matches. */
export async function serveStatic(ctx: RequestContext, root: string): Promise<boolean> {
  const base = resolve(root);
  let decoded: string;
  try {
    decoded = decodeURIComponent(ctx.path);
  } catch {
    return false;
  }
  const target = normalize(join(base, decoded));
  // Never serve outside the root (`..`, encoded or not).
  if (target !== base && !target.startsWith(base + sep)) return false;
  let file = await fileAt(target);
  if (!file && target === base) file = await fileAt(join(base, 'index.html'));
  if (!file && extname(decoded) === '') file = await fileAt(join(base, 'index.html'));
  if (!file) return false;
  const { res } = ctx;
  const isIndex = file.path.endsWith('index.html');
  res.writeHead(200, {
    ...ctx.headers,
    ...processingHeader(ctx),
    'content-type': TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
    'content-length': String(file.size),
    // Hashed assets may be cached; the entry page must not be, so new builds are picked up.
    'cache-control': isIndex ? 'no-cache' : 'public, max-age=3600',
  });
  if (ctx.req.method === 'HEAD') {
    res.end();
    return true;
  }
  const stream = createReadStream(file.path);
  stream.on('error', (err) => {
    ctx.log.error('static file read failed', { err, file: file.path });
    res.destroy();
  });
  stream.pipe(res);
  return true;
}
