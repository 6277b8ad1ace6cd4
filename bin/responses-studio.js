#!/usr/bin/env node
// Entry point of a source checkout: registers tsx's TypeScript loader in this process (tsx is a
// devDependency, so `npm install` in the repository is all it needs) and runs the CLI here.
// No wrapper child: signals reach the gateway directly, its pid is this process's pid, and a
// SIGKILL ends the gateway itself — nothing is left running as an orphan.
import process from 'node:process';
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
const script = join(root, known ? commands[command] : STUDIO);
const args = known && commands[command] === STUDIO ? [command, ...rest] : known ? rest : [command ?? '--help', ...rest];

let register;
try {
  ({ register } = await import('tsx/esm/api'));
} catch {
  process.stderr.write('responses-studio: tsx is missing; run `npm install` in the repository first.\n');
  process.exit(1);
}
register();
// The entries read their arguments from process.argv, as if started directly.
process.argv = [process.argv[0], script, ...args];
await import(pathToFileURL(script).href);
