/**
 * Bench child process: a gateway with the given flags on a free loopback port. Prints
 * `{"url": …}` once listening; SIGTERM closes it and exits (which also writes a --cpu-prof
 * profile when the runner asked for one).
 *
 * It runs the compiled build in dist/ (what an installed package and the container run; the
 * runner builds it first) unless BENCH_GATEWAY_FROM=source, which runs the TypeScript sources
 * through the loader this process was started with. BENCH_GATEWAY_DIST names another compiled
 * build (an absolute dist/ folder): `npm run bench:compare` runs a base revision's build that way.
 */
import { pathToFileURL } from 'node:url';
import { answerHeapProbe } from './heap-probe.js';

type Flags = typeof import('../../src-server/config/flags.js');
type Gateway = typeof import('../../src-server/gateway.js');

const root = process.env.BENCH_GATEWAY_DIST
  ? pathToFileURL(process.env.BENCH_GATEWAY_DIST.replace(/\/?$/, '/')).href
  : process.env.BENCH_GATEWAY_FROM === 'source'
    ? '../../src-server/'
    : '../../dist/';
const { parseFlags } = (await import(`${root}config/flags.js`)) as Flags;
const { createGateway } = (await import(`${root}gateway.js`)) as Gateway;

const { config } = parseFlags(process.argv.slice(2));
config.port = 0;
config.host = '127.0.0.1';
config.logLevel = 'silent';

const gateway = await createGateway(config);
process.stdout.write(`${JSON.stringify({ url: gateway.url, pid: process.pid })}\n`);

// The memory scenario's heap probe (with --expose-gc).
answerHeapProbe();

process.once('SIGTERM', () => {
  gateway.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
