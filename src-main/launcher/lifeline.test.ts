import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { processExists } from '../../tests/support/gateway-process.js';

const parentScript = fileURLToPath(new URL('./testing/tied-parent.ts', import.meta.url));

/** Starts the fixture launcher; resolves with both pids once the child is up. */
async function startTied() {
  const parent = spawn(process.execPath, ['--import', 'tsx', parentScript], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  parent.stdout.on('data', (c: Buffer) => (out += c.toString()));
  parent.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((resolve) => parent.once('exit', () => resolve()));
  await expect.poll(() => /parent \d+ child \d+/.test(out) && err.includes('watching true')).toBe(true);
  const [, parentPid, childPid] = /parent (\d+) child (\d+)/.exec(out) as RegExpExecArray;
  return { parent, parentPid: Number(parentPid), childPid: Number(childPid), out: () => out, err: () => err, exited };
}

describe('launcher children cannot outlive the launcher (npm start)', () => {
  test('SIGKILL of the launcher: the child notices on its lifeline and exits', { tags: ['X7', 'U10'] }, async () => {
    const t = await startTied();
    try {
      t.parent.kill('SIGKILL');
      await t.exited;
      await expect.poll(() => processExists(t.childPid)).toBe(false);
      expect(t.err()).toContain('lifeline lost');
    } finally {
      if (processExists(t.childPid)) process.kill(t.childPid, 'SIGKILL');
    }
  });

  test(
    'SIGTERM to the launcher is forwarded to the child; the launcher exits after it',
    { tags: ['X7', 'U10'] },
    async () => {
      const t = await startTied();
      try {
        t.parent.kill('SIGTERM');
        await t.exited;
        expect(t.out()).toContain('child exited null SIGTERM');
        expect(processExists(t.childPid)).toBe(false);
      } finally {
        if (processExists(t.childPid)) process.kill(t.childPid, 'SIGKILL');
      }
    },
  );
});
