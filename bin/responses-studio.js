#!/usr/bin/env node
// Entry point of a source checkout: runs the TypeScript CLI through tsx (a devDependency),
// so `npm install` in the repository is all it needs.
import { spawn } from 'node:child_process';
import process from 'node:process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STUDIO = 'src-server/cli/responses-studio.ts';
// gateway runs its own entry; the recording verbs (and help) go to the multi-verb CLI with the verb kept.
const commands = {
  gateway: 'src-server/cli/gateway.ts',
  record: STUDIO,
  replay: STUDIO,
  diff: STUDIO,
  export: STUDIO,
  import: STUDIO,
  rerun: STUDIO,
};
const [command, ...rest] = process.argv.slice(2);
const known = command !== undefined && command in commands;
const script = known ? commands[command] : STUDIO;
const args = known && script === STUDIO ? [command, ...rest] : known ? rest : [command ?? '--help', ...rest];

let tsx;
try {
  tsx = createRequire(import.meta.url).resolve('tsx');
} catch {
  process.stderr.write('responses-studio: tsx is missing; run `npm install` in the repository first.\n');
  process.exit(1);
}
const child = spawn(process.execPath, ['--import', pathToFileURL(tsx).href, join(root, script), ...args], {
  stdio: 'inherit',
});
// The child closes gracefully on its own signals. Ctrl-C already reaches it through the terminal's
// process group, so the parent only keeps itself alive for SIGINT and forwards SIGTERM.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
