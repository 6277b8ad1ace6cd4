/**
 * The throwaway PostgreSQL and Redis of a test run (scripts/test-services.mjs) run detached; a run
 * that is killed never calls `stop`, so `start(owner)` leaves a watcher that stops them when the
 * owner process is gone.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
// @ts-expect-error: a plain ES module script without type declarations.
import { start, stop } from '../../scripts/test-services.mjs';
import { processExists } from './gateway-process.js';

// Without the Debian packages `start` throws with the command that installs them, as the X8
// tests fail.
test('X8 the servers of a killed run stop with it', { tags: ['X8'], timeout: 120_000 }, async () => {
  const owner = spawn('sleep', ['600'], { stdio: 'ignore' });
  const started = await (start as (owner: number) => Promise<{ dir: string }>)(owner.pid as number);
  try {
    const pidOf = (file: string): number =>
      Number(fs.readFileSync(path.join(started.dir, file), 'utf8').split('\n')[0]);
    const postgres = pidOf('pg/postmaster.pid');
    const redis = pidOf('redis.pid');
    expect(processExists(postgres) && processExists(redis)).toBe(true);
    owner.kill('SIGKILL');
    await expect.poll(() => fs.existsSync(started.dir)).toBe(false);
    await expect.poll(() => processExists(postgres) || processExists(redis)).toBe(false);
  } finally {
    owner.kill('SIGKILL');
    (stop as (dir: string) => void)(started.dir);
  }
});
