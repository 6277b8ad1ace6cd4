import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DATABASE_FILE } from '../../src-server/store/database.js';
import { processExists, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';

let dir: string;
const started: GatewayProcess[] = [];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-gateway-crash-'));
});
afterEach(async () => {
  // Whatever happened in the test, no gateway outlives it.
  for (const g of started.splice(0)) if (g.alive()) await g.kill();
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<GatewayProcess> {
  const g = await startGatewayProcess(['--data-dir', dir, '--log-level', 'warn']);
  started.push(g);
  return g;
}

/** Pids of the processes that hold `file` open (from /proc/<pid>/fd). */
function holdersOf(file: string): number[] {
  const target = fs.realpathSync(file);
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${name}/fd/${fd}`) === target) {
          out.push(Number(name));
          break;
        }
      } catch {
        // Closed meanwhile.
      }
    }
  }
  return out;
}

describe('M6 crash safety of the gateway process', { tags: ['M6'] }, () => {
  test(
    'SIGKILL of the process that owns the database during writes: after a restart every completed response is there',
    { tags: ['M6', 'X7'], timeout: 60_000 },
    async () => {
      const first = await start();
      // The process killed below is the one holding the database: the gateway itself, not a wrapper.
      expect(first.pid).toBe(first.child.pid);
      if (fs.existsSync('/proc')) expect(holdersOf(path.join(dir, DATABASE_FILE))).toEqual([first.pid]);
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
      await first.kill();
      stop = true;
      await Promise.all(clients);
      // Gone for good: no process of the first gateway writes to the data dir the second one opens.
      expect(processExists(first.pid)).toBe(false);
      if (fs.existsSync('/proc')) expect(holdersOf(path.join(dir, DATABASE_FILE))).toEqual([]);

      const second = await start();
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
      await second.stop();
      expect(processExists(second.pid)).toBe(false);
    },
  );

  test(
    'SIGTERM reaches the gateway directly: it closes cleanly and its pid is gone',
    { tags: ['X7', 'X10'] },
    async () => {
      const g = await start();
      await g.stop();
      expect(processExists(g.pid)).toBe(false);
    },
  );
});
