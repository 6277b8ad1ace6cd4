/**
 * The PostgreSQL and Redis clients are loaded only by a gateway that uses them: one on the
 * embedded store (the default, and every desktop profile) pays neither their start-up nor their
 * memory.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { startGatewayProcess } from '../support/gateway-process.js';

const PROBE = fileURLToPath(new URL('../support/loaded-packages.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function loaded(stderr: string): string[] {
  const line = /optional clients loaded: (.*)/.exec(stderr);
  if (!line) throw new Error(`the probe wrote nothing:\n${stderr}`);
  return JSON.parse(line[1]) as string[];
}

describe('optional database clients', () => {
  test('the probe sees both clients once something imports them', async () => {
    const child = spawn(
      process.execPath,
      ['--import', PROBE, '--input-type=module', '-e', "await import('pg'); await import('ioredis');"],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(loaded(stderr)).toEqual(['ioredis', 'pg']);
  });

  test('a gateway on the embedded store loads neither pg nor ioredis, storing and streaming', async () => {
    const g = await startGatewayProcess(['--backend', 'simulator', '--log-level', 'warn'], 'gateway', [
      '--import',
      PROBE,
    ]);
    try {
      const res = await fetch(`${g.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-chat', input: 'hi', store: true, stream: true }),
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('response.completed');
      await g.stop();
      expect(loaded(g.stderr())).toEqual([]);
    } finally {
      if (g.alive()) await g.kill();
    }
  });
});
