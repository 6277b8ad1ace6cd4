#!/usr/bin/env node
// The `responses-studio` command. It runs the CLI in this process — no wrapper child: signals reach
// the gateway directly, its pid is this process's pid, and a SIGKILL ends the gateway itself.
//
// - Installed package (`npm install responses-studio`, or `npm pack` then install): runs the
//   compiled JavaScript in dist/ (built by `npm run build:gateway`, included by `npm pack`).
//   Plain Node: no TypeScript loader at run time.
// - Source checkout (src-server/ beside this folder): registers tsx's loader (a devDependency)
//   and runs the TypeScript sources, so that the command always runs the code being edited.
//   RESPONSES_STUDIO_COMPILED=1 runs dist/ there too (what the benchmark compares).
import fs from 'node:fs';
import process from 'node:process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fromSource =
  fs.existsSync(join(root, 'src-server', 'cli', 'gateway.ts')) && process.env.RESPONSES_STUDIO_COMPILED !== '1';
const dir = fromSource ? 'src-server' : 'dist';
const ext = fromSource ? '.ts' : '.js';
const STUDIO = `${dir}/cli/responses-studio${ext}`;
// gateway runs its own entry; the recording verbs (and help) go to the multi-verb CLI with the verb kept.
const verbs = ['record', 'replay', 'diff', 'export', 'import', 'rerun'];
const [command, ...rest] = process.argv.slice(2);
const script = join(root, command === 'gateway' ? `${dir}/cli/gateway${ext}` : STUDIO);
const args =
  command === 'gateway' ? rest : verbs.includes(command) ? [command, ...rest] : [command ?? '--help', ...rest];

if (!fs.existsSync(script)) {
  process.stderr.write(`responses-studio: ${script} is missing; run \`npm run build:gateway\` first.\n`);
  process.exit(1);
}
if (fromSource) {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('responses-studio: tsx is missing; run `npm install` in the repository first.\n');
    process.exit(1);
  }
  register();
}
// The entries read their arguments from process.argv, as if started directly.
process.argv = [process.argv[0], script, ...args];
await import(pathToFileURL(script).href);
