import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/responses-studio.js', import.meta.url));
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-gateway-crash-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startCli(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, 'gateway', '--port', '0', '--data-dir', dir, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.resume();
  for (;;) {
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (match) return { child, url: match[1] };
    if (child.exitCode !== null) throw new Error(`gateway exited: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('M6 crash safety of the gateway process', () => {
  test('SIGKILL during writes: after a restart every completed response is there', async () => {
    const first = await startCli();
    const completed: string[] = [];
    let stop = false;
    // Four clients write continuously; the kill lands while requests are in flight.
    const client = async (n: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`${first.url}/v1/responses`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'sim-chat', input: `client ${n} request ${i}` }),
          });
          const body = (await res.json()) as { id: string; status: string };
          if (res.status === 200 && body.status === 'completed') completed.push(body.id);
        } catch {
          return; // the process is gone
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    while (completed.length < 60) await new Promise((r) => setTimeout(r, 5));
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    stop = true;
    await Promise.all(clients);

    const second = await startCli();
    try {
      for (const id of completed) {
        const res = await fetch(`${second.url}/v1/responses/${id}`);
        expect(res.status, id).toBe(200);
        expect(((await res.json()) as { status: string }).status).toBe('completed');
      }
      // The reopened store still takes writes.
      const res = await fetch(`${second.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-chat', input: 'after the crash' }),
      });
      expect(res.status).toBe(200);
    } finally {
      const exited2 = new Promise((resolve) => second.child.once('exit', resolve));
      second.child.kill('SIGTERM');
      await exited2;
    }
  }, 60_000);
});
