import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

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

  test('starts on the simulator, prints a ready-to-paste snippet, serves, and closes on SIGTERM', async () => {
    const cli = runCli(['gateway', '--backend', 'simulator', '--port', '0', '--log-level', 'warn']);
    try {
      await expect.poll(() => cli.stdout(), { timeout: 20_000 }).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(cli.stdout())?.[1] as string;
      expect(cli.stdout()).toContain(`curl -N ${url}/v1/responses`);
      expect(cli.stdout()).toContain(`baseURL: '${url}/v1'`);
      const res = await fetch(`${url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-chat', input: 'hi' }),
      });
      expect(res.status).toBe(200);
      cli.child.kill('SIGTERM');
      expect(await cli.exit).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
