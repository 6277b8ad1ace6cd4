import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { processExists, startGatewayProcess } from '../support/gateway-process.js';

const bin = fileURLToPath(new URL('../../bin/responses-studio.js', import.meta.url));

function runCli(args: string[]): {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

describe('responses-studio gateway CLI', () => {
  test('--help lists the flags and exits 0', async () => {
    const cli = runCli(['gateway', '--help']);
    expect(await cli.exit).toBe(0);
    expect(cli.stdout()).toContain('--responses-dialect');
    expect(cli.stdout()).toContain('--max-request-bytes');
  });

  test('a bad flag prints a message and exits 2', async () => {
    const cli = runCli(['gateway', '--responses-dialect', 'klingon']);
    expect(await cli.exit).toBe(2);
    expect(cli.stderr()).toContain('--responses-dialect must be one of');
  });

  test(
    'starts on the simulator, prints a ready-to-paste snippet, serves, and closes on SIGTERM',
    { tags: ['X10', 'X7'] },
    async () => {
      const g = await startGatewayProcess(['--backend', 'simulator', '--log-level', 'warn']);
      try {
        expect(g.stdout()).toContain(`curl -N ${g.url}/v1/responses`);
        expect(g.stdout()).toContain(`baseURL: '${g.url}/v1'`);
        const res = await fetch(`${g.url}/v1/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'sim-chat', input: 'hi' }),
        });
        expect(res.status).toBe(200);
        // Exits 0, by itself, without an uncaught exception; the pid it reported is gone.
        await g.stop();
        expect(processExists(g.pid)).toBe(false);
      } finally {
        if (g.alive()) await g.kill();
      }
    },
  );
});
