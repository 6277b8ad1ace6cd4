/**
 * `responses-studio gateway [flags]` / `npm run gateway -- [flags]`: runs the headless gateway.
 * Flag errors exit with status 2; SIGINT / SIGTERM close it gracefully. The first line names the
 * URL and the pid of the process that serves it (and owns the data dir).
 *
 * An uncaught exception or unhandled rejection is a bug, not a state to recover from: it is logged
 * (fatal.ts) and Node ends the process with a non-zero status, as it does by default.
 */
import { FlagError, helpText, parseFlags, type GatewayConfig } from '../config/flags.js';
import { createGateway } from '../gateway.js';
import { loadApiKeys, openAccessWarning } from '../http/auth.js';
import { reportFatal } from './fatal.js';

function banner(url: string, config: GatewayConfig): string {
  const model = config.backend === 'simulator' ? 'sim-chat' : '<model id from GET /v1/models>';
  return [
    `Responses Studio gateway listening on ${url} (pid ${process.pid})`,
    `  backend: ${config.backend}`,
    '',
    'Try it:',
    `  curl -N ${url}/v1/responses -H 'content-type: application/json' \\`,
    `    -d '{"model":"${model}","input":"Say hello","stream":true}'`,
    '',
    '  // openai-node',
    "  import OpenAI from 'openai';",
    `  const client = new OpenAI({ baseURL: '${url}/v1', apiKey: 'unused' });`,
    `  const r = await client.responses.create({ model: '${model}', input: 'Say hello' });`,
    '  console.log(r.output_text);',
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  process.on('uncaughtExceptionMonitor', reportFatal);
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`error: ${e.message}\nRun with --help to list the flags.\n`);
      return 2;
    }
    throw e;
  }
  if (parsed.help) {
    process.stdout.write(helpText('responses-studio gateway') + '\n');
    return 0;
  }
  const { config, explicit } = parsed;
  // Open access (no --api-key) only on loopback, unless --host explicitly says otherwise (M5).
  const warning = openAccessWarning(config.host, loadApiKeys(config), explicit.has('host'));
  if (warning) process.stderr.write(`${warning}\n`);
  const gateway = await createGateway(config);

  const closed = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second signal: the user wants out now.
        process.exit(130);
      }
      stopping = true;
      process.stderr.write(`\n${signal}: closing the gateway…\n`);
      gateway.close().then(resolve, (err: unknown) => {
        process.stderr.write(`close failed: ${String(err)}\n`);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  // Printed once the signals are handled: whoever reads this line may stop the gateway at once.
  process.stdout.write(banner(gateway.url, config) + '\n');
  await closed;
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
