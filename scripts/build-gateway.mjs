// `npm run build:gateway` (also run by `npm run build` and `npm pack`): compiles src-server/ to
// plain JavaScript in dist/ with the TypeScript compiler (tsconfig.build.json), one .js file per
// .ts file, so that bin/responses-studio.js runs in an installed package without a loader.
// dist/ is emptied first: a source file deleted or renamed leaves nothing stale behind.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
fs.rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
