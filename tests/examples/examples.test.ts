/**
 * D4: every file in examples/ runs, as a user runs it — a child process with the gateway's URL in
 * the environment — against a gateway on the simulator, and exits 0 (each example checks its own
 * result). The gateway validates every stream it sends and requires a key, so the examples also
 * prove they authenticate and produce valid streams. A file in examples/ that no case runs fails.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const examples = path.join(root, 'examples');
const KEY = 'example-key';

/** Runs one example to its end; resolves with its status and output (never rejects on a failure). */
function runExample(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      // Only what an example needs: a user's own OPENAI_* settings must not leak in.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (status) => resolve({ status, output }));
  });
}

const CASES: { file: string; command: 'node' | 'bash' | 'node --test' }[] = [
  { file: 'curl/responses.sh', command: 'bash' },
  { file: 'openai-node/create.mjs', command: 'node' },
  { file: 'openai-node/stream.mjs', command: 'node' },
  { file: 'openai-node/tool-loop.mjs', command: 'node' },
  { file: 'openai-node/background-resume.mjs', command: 'node' },
  { file: 'openai-node/session-mode.mjs', command: 'node' },
  { file: 'agents-sdk/agent.mjs', command: 'node' },
  { file: 'ai-sdk/generate.mjs', command: 'node' },
  { file: 'azure/azure-openai.mjs', command: 'node' },
  { file: 'recording-fixture/replay.test.mjs', command: 'node --test' },
];
/** Files that are not programs: checked by their own test below, or data an example reads. */
const NOT_PROGRAMS = ['README.md', 'codex/config.toml', 'recording-fixture/say-hello.jsonl'];

describe('D4 runnable examples', { tags: ['D4'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'warn', apiKeys: [KEY], enableAzureApi: true });
  });
  afterAll(async () => {
    // Strict stream validation logs any violating stream as a warning or an error.
    expect(h.logs.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    await h.close();
  });

  test('every file in examples/ is run or checked here', () => {
    const files = (fs.readdirSync(examples, { recursive: true }) as string[])
      .filter((f) => fs.statSync(path.join(examples, f)).isFile())
      .sort();
    expect(files).toEqual([...CASES.map((c) => c.file), ...NOT_PROGRAMS].sort());
  });

  test.each(CASES)('$file runs against the simulator and exits 0', { timeout: 120_000 }, async ({ file, command }) => {
    const [cmd, ...flags] = command === 'bash' ? ['bash'] : [process.execPath, ...command.split(' ').slice(1)];
    const { status, output } = await runExample(cmd, [...flags, path.join(examples, file)], {
      OPENAI_BASE_URL: h.baseURL,
      OPENAI_API_KEY: KEY,
      MODEL: 'sim-chat',
      AZURE_OPENAI_ENDPOINT: h.url,
      AZURE_OPENAI_API_KEY: KEY,
      OPENAI_API_VERSION: '2025-04-01-preview',
      RESPONSES_STUDIO_BIN: path.join(root, 'bin', 'responses-studio.js'),
    });
    expect(status, output).toBe(0);
  });

  test('codex/config.toml is valid TOML naming a Responses provider whose key and URL come from the environment', () => {
    const text = fs.readFileSync(path.join(examples, 'codex/config.toml'), 'utf8');
    const config = parse(text) as {
      model: string;
      model_provider: string;
      model_providers: Record<string, { base_url: string; env_key: string; wire_api: string }>;
    };
    const provider = config.model_providers[config.model_provider];
    expect(provider).toBeDefined();
    expect(provider.wire_api).toBe('responses');
    expect(provider.env_key).toMatch(/^[A-Z_]+$/);
    expect(new URL(provider.base_url).pathname).toBe('/v1');
    // The documented override targets this provider's base_url with the URL from the environment.
    expect(text).toContain(`-c model_providers.${config.model_provider}.base_url="$RESPONSES_STUDIO_BASE_URL"`);
    expect(text).toContain(`export ${provider.env_key}=`);
    expect(config.model).toBe('sim-chat');
  });
});
