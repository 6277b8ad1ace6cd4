/**
 * The shared tail of the bench's reference servers (pass-through, translator): listen on a free
 * loopback port with Nagle off, print `{"url": …}` for the runner (bench/lib/processes.ts),
 * answer the heap probe (heap-probe.ts, with `--expose-gc`), and close every connection and exit
 * on SIGTERM.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerHeapProbe } from './heap-probe.js';

export function serveOnLoopback(server: Server): void {
  answerHeapProbe();
  server.on('connection', (s) => s.setNoDelay(true));
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`);
  });
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
