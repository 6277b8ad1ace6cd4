/** Test fixture (lifeline.test.ts): stays up until its launcher is gone, then says so and exits. */
import { watchLifeline } from '../lifeline.js';

const watching = watchLifeline(() => {
  process.stderr.write('lifeline lost\n');
  process.exit(0);
});
process.stderr.write(`watching ${String(watching)}\n`);
setInterval(() => undefined, 1000);
