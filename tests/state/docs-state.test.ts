import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';

const doc = fs.readFileSync(new URL('../../docs/state.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);

let h: GatewayHarness;
let cwd: string;
beforeAll(async () => {
  h = await startGateway({ logLevel: 'warn' });
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-docs-state-'));
});
afterAll(async () => {
  await h.close();
  fs.rmSync(cwd, { recursive: true, force: true });
});

describe('docs/state.md examples (M6, C1, H4)', { tags: ['M6', 'C1', 'H4', 'D4'] }, () => {
  test('the page has examples for every section', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  test(
    'no block pipes a command into a reader that stops early (SIGPIPE fails it under pipefail)',
    { tags: ['D4'] },
    () => {
      // `curl … | grep -q x` fails whenever grep exits before curl has written everything: a
      // flaky example. Early readers read files instead (or the whole stream: grep -c, jq, sed).
      const early = /\|\s*(grep\s+(-\w*[qm]\w*|--max-count|--quiet)|head\b|sed\s+(-\w+\s+)*'?\d*q)/;
      for (const [i, block] of blocks.entries()) {
        const joined = block.replace(/\\\n/g, ' ');
        for (const line of joined.split('\n')) expect(early.test(line), `block ${i}: ${line}`).toBe(false);
      }
    },
  );

  test('every bash block runs successfully, in order, in one shell', async () => {
    // One shell so later blocks can use ids from earlier ones, as a reader would.
    const script = ['set -euo pipefail', ...blocks.map((b, i) => `echo "--- block ${i}"\n${b}`)].join('\n');
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('bash', ['-c', script], { cwd, env: { ...process.env, GATEWAY: h.url } });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(result.out).toContain(`--- block ${blocks.length - 1}`);
    expect(result.code, result.out).toBe(0);
  }, 60_000);
});
