/**
 * `npm run simulator -- --port 8000`: the built-in vLLM simulator as a standalone server, for
 * pointing any OpenAI-compatible client (or a gateway started with --backend <url>) at it.
 */
import { parseArgs } from 'node:util';
import { FAULTS, SIMULATOR_MODELS, SimulatorServer } from '../backends/simulator/index.js';

const HELP = `Usage: simulator [flags]

A vLLM-compatible server without a GPU: GET /v1/models, POST /v1/chat/completions,
POST /tokenize, GET /health. Deterministic for a given seed and request.

Flags:
  --host <value>   Address to listen on (default: 127.0.0.1)
  --port <n>       Port to listen on, 0 picks a free one (default: 8000)
  --seed <n>       Seed of every reply (default: 1)
  --ttft-ms <n>    Default time to first token in ms (default: 0)
  --token-ms <n>   Default time between deltas in ms (default: 0)
  --max-model-len <n>
                   Context window of every model, in tokens (default: 32768)
  --help           Show this help.

Models: ${Object.keys(SIMULATOR_MODELS).join(', ')}

Per request, by header or model-name suffix (header wins):
  x-simulator-ttft-ms      +ttft=N     time to first token
  x-simulator-token-ms     +token=N    time between deltas
  x-simulator-fault        +fault=F    ${FAULTS.join('|')}
  x-simulator-fault-after  +after=N    deltas sent before the fault (default 2)
  x-simulator-seed         +seed=N     seed for this request
  x-simulator-deltas       +deltas=N   exactly N content deltas
  e.g. model "sim-chat+fault=error_chunk+ttft=50"
`;

function count(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${flag} expects a non-negative integer, got '${raw}'`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        seed: { type: 'string' },
        'ttft-ms': { type: 'string' },
        'token-ms': { type: 'string' },
        'max-model-len': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(HELP);
    return;
  }
  const server = new SimulatorServer({
    host: values.host ?? '127.0.0.1',
    port: count(values.port, 'port', 8000),
    seed: count(values.seed, 'seed', 1),
    ttftMs: count(values['ttft-ms'], 'ttft-ms', 0),
    tokenMs: count(values['token-ms'], 'token-ms', 0),
    maxModelLen: count(values['max-model-len'], 'max-model-len', 32_768) || 32_768,
  });
  const url = await server.listen();
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Printed once the signals are handled: whoever reads this line may stop the simulator at once.
  console.log(`vLLM simulator listening on ${url} (OpenAI base URL: ${url}/v1)`);
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
