/** Test fixture (lifeline.test.ts): a launcher that runs tied-child.ts tied to itself and reports both pids. */
import { fileURLToPath } from 'node:url';
import { spawnTied } from '../lifeline.js';

const child = spawnTied(process.execPath, [
  '--import',
  'tsx',
  fileURLToPath(new URL('./tied-child.ts', import.meta.url)),
]);
child.on('exit', (code, signal) => {
  process.stdout.write(`child exited ${String(code)} ${String(signal)}\n`);
  process.exit(0);
});
process.stdout.write(`parent ${process.pid} child ${String(child.pid)}\n`);
