/**
 * Bench child process: a gateway with the given flags on a free loopback port. Prints
 * `{"url": …}` once listening; SIGTERM closes it and exits (which also writes a --cpu-prof
 * profile when the runner asked for one).
 */
import { parseFlags } from '../../src-server/config/flags.js';
import { createGateway } from '../../src-server/gateway.js';

const { config } = parseFlags(process.argv.slice(2));
config.port = 0;
config.host = '127.0.0.1';
config.logLevel = 'silent';

const gateway = await createGateway(config);
process.stdout.write(`${JSON.stringify({ url: gateway.url, pid: process.pid })}\n`);

// Heap probe for the memory scenario: with --expose-gc, SIGUSR2 answers with the live heap after
// a full GC, which tells retained garbage-free memory (a leak) from memory the process keeps.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  process.on('SIGUSR2', () => {
    gc();
    const { heapUsed, heapTotal } = process.memoryUsage();
    process.stdout.write(`${JSON.stringify({ heap: { heapUsed, heapTotal } })}\n`);
  });
}

process.once('SIGTERM', () => {
  gateway.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
