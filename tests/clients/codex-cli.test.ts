/**
 * The real Codex CLI (`@openai/codex`, the binary its npm package ships) against a gateway started
 * the way the README starts it (default flags, the built-in simulator). Codex's configuration is
 * the one docs/clients.md gives users to copy (read from that page): stock apart from the provider
 * entry and the two settings that keep it offline. The simulator is told which tool to call
 * through the provider's `http_headers` (x-simulator-tool), so Codex's own loop runs: it executes
 * the call on this machine, sends the output back, and prints the final answer.
 *
 * Codex must reach no other host: every proxy variable points at a local port that counts and
 * refuses connections, and the count must stay 0 (`NO_PROXY` lets the gateway through).
 *
 * Each run takes seconds of CPU, so there are four of them; each ends when the process exits.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';

const CODEX = fileURLToPath(new URL('../../node_modules/@openai/codex/bin/codex.js', import.meta.url));
const CLIENTS_DOC = fileURLToPath(new URL('../../docs/clients.md', import.meta.url));

/** The `config.toml` block of docs/clients.md (after the codex-config marker), with the gateway's URL and the model. */
async function documentedConfig(gatewayUrl: string, model: string): Promise<string> {
  const doc = await readFile(CLIENTS_DOC, 'utf8');
  const block = /<!-- codex-config -->\s*```toml\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/clients.md has no codex-config toml block');
  const config = block
    .replace('http://127.0.0.1:8080', gatewayUrl)
    .replace(/^model = ".*"$/m, `model = ${literal(model)}`);
  if (!config.includes(gatewayUrl) || !config.includes(`model = '${model}'`))
    throw new Error('the documented config.toml no longer has the model and base_url lines this test fills in');
  // The provider entry is the last table: the simulator's tool selection joins it.
  if (!/\[model_providers\.[^\]]+\]\n(?:[^[\n].*\n|\n)*$/.test(config))
    throw new Error('the provider entry must come last');
  return config;
}

/** Codex refuses to put its helper binaries under the system temp dir; /var/tmp is not that. */
const SCRATCH_ROOT = '/var/tmp';

interface ProxyTrap {
  url: string;
  connections(): number;
  close(): Promise<void>;
}

/** A local "proxy" that accepts nothing: it counts each connection and resets it at once. */
async function proxyTrap(): Promise<ProxyTrap> {
  let count = 0;
  const server: Server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A TOML literal string: no escapes at all, so JSON goes in unchanged. */
function literal(value: string): string {
  if (value.includes("'") || value.includes('\n')) throw new Error(`not a TOML literal string: ${value}`);
  return `'${value}'`;
}

interface CodexRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface RunSpec {
  model: string;
  prompt: string;
  /** Sent with every request (the provider's http_headers): which tool the simulator calls. */
  headers: Record<string, string>;
  args?: string[];
  /** More lines of the provider entry (e.g. `supports_websockets = true`). */
  provider?: string;
}

/** The value of a Prometheus counter series summed over the label sets that match. */
async function counter(gatewayUrl: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const set = line.slice(name.length + 1, line.indexOf('}'));
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) total += Number(line.split(' ').at(-1));
  }
  return total;
}

describe('the real Codex CLI through the gateway (default flags, simulator)', { tags: ['X1', 'E3'] }, () => {
  let gateway: GatewayProcess;
  let trap: ProxyTrap;
  const scratch: string[] = [];

  beforeAll(async () => {
    gateway = await startGatewayProcess([]);
    trap = await proxyTrap();
  });
  afterAll(async () => {
    await gateway?.stop();
    await trap?.close();
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });

  async function workspace(): Promise<{ home: string; cwd: string }> {
    const root = await mkdtemp(path.join(SCRATCH_ROOT, 'rs-codex-'));
    scratch.push(root);
    const home = path.join(root, 'home');
    const cwd = path.join(root, 'work');
    await mkdir(home);
    await mkdir(cwd);
    return { home, cwd };
  }

  async function runCodex(spec: RunSpec, dirs: { home: string; cwd: string }): Promise<CodexRun> {
    const headers = Object.entries(spec.headers)
      .map(([k, v]) => `${literal(k)} = ${literal(v)}`)
      .join(', ');
    const config = await documentedConfig(gateway.url, spec.model);
    await writeFile(
      path.join(dirs.home, 'config.toml'),
      `${config}${spec.provider ?? ''}http_headers = { ${headers} }\n`,
    );
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: dirs.home,
      CODEX_HOME: dirs.home,
      RESPONSES_STUDIO_API_KEY: 'sk-local-test',
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
    };
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY']) {
      env[name] = trap.url;
      env[name.toLowerCase()] = trap.url;
    }
    const args = [
      CODEX,
      'exec',
      '--skip-git-repo-check',
      // The commands are the test's own; bubblewrap may be unavailable in CI containers.
      '--dangerously-bypass-approvals-and-sandbox',
      ...(spec.args ?? []),
      spec.prompt,
    ];
    const child = spawn(process.execPath, args, { cwd: dirs.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (c, s) => resolve({ code: c, signal: s })),
    );
    return { code, signal, stdout, stderr };
  }

  /**
   * Codex runs the shell command the simulator asks for (it writes `marker` to a file), sends the
   * output back through the gateway and prints the simulator's final answer quoting it; exit 0.
   */
  async function markerRun(marker: string, provider?: string): Promise<void> {
    const dirs = await workspace();
    const run = await runCodex(
      {
        model: 'sim-chat',
        prompt: 'Write the marker file.',
        ...(provider ? { provider } : {}),
        headers: {
          'x-simulator-tool': 'exec_command',
          'x-simulator-tool-arguments': JSON.stringify({ cmd: `echo ${marker} > marker.txt && cat marker.txt` }),
        },
      },
      dirs,
    );
    expect({ code: run.code, signal: run.signal, stderr: run.code === 0 ? '' : run.stderr }).toEqual({
      code: 0,
      signal: null,
      stderr: '',
    });
    expect(await readFile(path.join(dirs.cwd, 'marker.txt'), 'utf8')).toBe(`${marker}\n`);
    // The final answer is the simulator's, quoting the command output Codex sent back.
    expect(run.stdout).toMatch(new RegExp(`Based on the tool results: exec_command returned [\\s\\S]*${marker}`));
    expect(trap.connections()).toBe(0);
  }

  test(
    'a model Codex does not know: Codex runs the shell command the model asks for and answers with its output',
    { timeout: 240_000 },
    async () => {
      await markerRun('codex-was-here');
    },
  );

  test(
    'a namespaced function call comes back in the shape Codex dispatches (namespace + name)',
    { timeout: 240_000 },
    async () => {
      const dirs = await workspace();
      const run = await runCodex(
        {
          model: 'sim-chat',
          prompt: 'Close the agent.',
          headers: {
            'x-simulator-tool': 'multi_agent_v1__close_agent',
            'x-simulator-tool-arguments': JSON.stringify({ target: 'agent_does_not_exist' }),
          },
        },
        dirs,
      );
      expect({ code: run.code, signal: run.signal, stderr: run.code === 0 ? '' : run.stderr }).toEqual({
        code: 0,
        signal: null,
        stderr: '',
      });
      // Codex ran its own close_agent (which knows no such agent) instead of answering "unsupported call".
      expect(run.stdout).toMatch(/multi_agent_v1__close_agent returned [^\n]*agent_does_not_exist/);
      expect(run.stdout).not.toContain('unsupported call');
      expect(trap.connections()).toBe(0);
    },
  );

  test(
    'gpt-5.5 (a model Codex knows): apply_patch as a custom tool edits the file; --json events parse, none is an error',
    { timeout: 240_000 },
    async () => {
      const dirs = await workspace();
      await writeFile(path.join(dirs.cwd, 'notes.txt'), 'first line\nold line\n');
      const patch = [
        '*** Begin Patch',
        '*** Update File: notes.txt',
        '@@',
        ' first line',
        '-old line',
        '+new line',
        '*** End Patch',
        '',
      ].join('\n');
      const run = await runCodex(
        {
          model: 'gpt-5.5',
          prompt: 'Replace the old line in notes.txt.',
          headers: {
            'x-simulator-tool': 'apply_patch',
            'x-simulator-tool-arguments': JSON.stringify({ input: patch }),
          },
          args: ['--json'],
        },
        dirs,
      );
      expect({ code: run.code, signal: run.signal, stderr: run.code === 0 ? '' : run.stderr }).toEqual({
        code: 0,
        signal: null,
        stderr: '',
      });
      expect(await readFile(path.join(dirs.cwd, 'notes.txt'), 'utf8')).toBe('first line\nnew line\n');
      const events = run.stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as { type: string; item?: { type: string; changes?: unknown[] } });
      expect(events[0].type).toBe('thread.started');
      expect(events.at(-1)?.type).toBe('turn.completed');
      const errors = events.filter((e) => e.type === 'error' || e.type === 'turn.failed' || e.item?.type === 'error');
      expect(errors).toEqual([]);
      const change = events.find((e) => e.type === 'item.completed' && e.item?.type === 'file_change');
      expect(change?.item?.changes).toEqual([{ path: path.join(dirs.cwd, 'notes.txt'), kind: 'update' }]);
      expect(events.some((e) => e.type === 'item.completed' && e.item?.type === 'agent_message')).toBe(true);
      expect(trap.connections()).toBe(0);
    },
  );

  test(
    'over the WebSocket transport (supports_websockets = true): the same loop on one socket, no HTTP fallback',
    { timeout: 240_000 },
    async () => {
      const socketRuns = (): Promise<number> =>
        counter(gateway.url, 'responses_gateway_responses_total', { status: 'completed', mode: 'websocket' });
      const httpCreates = (): Promise<number> =>
        counter(gateway.url, 'responses_gateway_http_requests_total', { method: 'POST', route: '/v1/responses' });
      const [socketBefore, httpBefore] = [await socketRuns(), await httpCreates()];
      await markerRun('over-the-socket', 'supports_websockets = true\n');
      // Codex's turns (its warm-up, the tool call, the answer after the tool output) ran on the
      // socket, continuing store:false responses by previous_response_id; none fell back to HTTP.
      expect((await socketRuns()) - socketBefore).toBeGreaterThanOrEqual(2);
      expect(await httpCreates()).toBe(httpBefore);
    },
  );
});
