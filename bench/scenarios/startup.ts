/**
 * Start-up and idle memory of the headless gateway as users run it — `responses-studio gateway` —
 * from the compiled build (what an installed package runs: plain `node`, `dist/`) versus from the
 * sources through tsx (a checkout). Start-up is the time from spawning the process to the first
 * request it accepts (`GET /healthz` answered; the port is chosen beforehand so the probe can
 * start at once); idle RSS is read after a few requests and a second of rest. The two variants
 * alternate, and the median of the runs is reported.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildGatewayOnce } from '../lib/build.js';
import { rssOf } from '../lib/processes.js';
import { percentile, round } from '../lib/stats.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/types.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BIN = `${root}bin/responses-studio.js`;
const MB = 1024 * 1024;
const START_TIMEOUT_MS = 60_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`);
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** One start: ms to the first accepted request, and RSS after warm-up requests and a rest. */
async function startOnce(compiled: boolean, backend: string): Promise<{ startMs: number; rss: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [BIN, 'gateway', '--backend', backend, '--port', String(port), '--log-level', 'warn'],
    {
      env: { ...process.env, RESPONSES_STUDIO_COMPILED: compiled ? '1' : '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    let startMs = -1;
    while (startMs < 0) {
      if (child.exitCode !== null) throw new Error(`gateway exited before answering:\n${stderr}`);
      if (performance.now() - t0 > START_TIMEOUT_MS) throw new Error(`gateway did not answer in time:\n${stderr}`);
      if (await healthy(url)) startMs = performance.now() - t0;
      else await sleep(2);
    }
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-chat', input: 'hi' }),
      });
      await res.arrayBuffer();
    }
    await sleep(1000);
    return { startMs, rss: rssOf(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

export const startup: Scenario = {
  id: 'startup',
  title: 'Gateway start-up and idle RSS: compiled build vs tsx',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    ctx.log('startup: npm run build:gateway (once per run)');
    const failed = buildGatewayOnce();
    if (failed !== null) return { metrics: [], failures: [`build:gateway failed: ${failed}`] };
    const runs = ctx.quick ? 2 : 6;
    const samples = {
      compiled: { start: [] as number[], rss: [] as number[] },
      tsx: { start: [] as number[], rss: [] as number[] },
    };
    const failures: string[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate which goes first, so a warming page cache favours neither.
      for (const compiled of i % 2 === 0 ? [true, false] : [false, true]) {
        try {
          const r = await startOnce(compiled, ctx.simulator.url);
          const s = compiled ? samples.compiled : samples.tsx;
          s.start.push(r.startMs);
          s.rss.push(r.rss);
        } catch (err) {
          failures.push(`${compiled ? 'compiled' : 'tsx'}: ${String(err)}`);
        }
      }
    }
    const median = (xs: number[]): number => (xs.length ? percentile(xs, 50) : Number.NaN);
    const c = { start: median(samples.compiled.start), rss: median(samples.compiled.rss) / MB };
    const t = { start: median(samples.tsx.start), rss: median(samples.tsx.rss) / MB };
    return {
      metrics: [
        {
          id: 'startup_compiled_ms',
          label: 'Start-up to first request, compiled (median)',
          value: round(c.start, 0),
          unit: 'ms',
          target: { op: '<=', value: round(t.start, 0) },
          note: `tsx ${round(t.start, 0)} ms; ${runs} runs each`,
        },
        {
          id: 'startup_tsx_ms',
          label: 'Start-up to first request, tsx (median)',
          value: round(t.start, 0),
          unit: 'ms',
        },
        {
          id: 'rss_idle_compiled_mb',
          label: 'Idle RSS, compiled (median)',
          value: round(c.rss, 1),
          unit: 'MB',
          target: { op: '<=', value: round(t.rss, 1) },
          note: `tsx ${round(t.rss, 1)} MB`,
        },
        { id: 'rss_idle_tsx_mb', label: 'Idle RSS, tsx (median)', value: round(t.rss, 1), unit: 'MB' },
      ],
      failures,
      details: { samples },
    };
  },
};
