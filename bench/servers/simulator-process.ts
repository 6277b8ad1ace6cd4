/**
 * Bench child process: the built-in vLLM simulator on a free loopback port. Prints `{"url": …}`
 * once listening; pacing is chosen per request by the `x-simulator-*` headers.
 */
import { SimulatorServer } from '../../src-server/backends/simulator/index.js';

const simulator = new SimulatorServer({ host: '127.0.0.1', port: 0, seed: 1 });
const url = await simulator.listen();
process.stdout.write(`${JSON.stringify({ url, pid: process.pid })}\n`);

process.once('SIGTERM', () => {
  simulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
