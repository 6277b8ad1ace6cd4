/**
 * Scale-out (X8): the same load through one instance on SQLite (the embedded default), one
 * instance on PostgreSQL + Redis, and three instances on PostgreSQL + Redis behind HAProxy, all
 * with `store: true` so that the store is on every request's path. Reports content deltas per
 * second at saturation (closed loop) and the first-event latency each setup adds over a direct
 * connection to the simulator (requests taking turns with the direct path).
 *
 * PostgreSQL and Redis: STUDIO_TEST_POSTGRES_URL / STUDIO_TEST_REDIS_URL when set, else a
 * throwaway pair started for the run (scripts/test-services.mjs, Debian packages needed).
 * All processes share this machine's cores: on 2 cores three instances compete with each other,
 * the simulator, the load generator and the databases, so the numbers show the coordination cost
 * rather than the gain of more machines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
// @ts-expect-error: a plain ES module script without type declarations.
import { start, stop } from '../../scripts/test-services.mjs';
import { startBalancer } from '../../tests/support/haproxy.js';
import { closedLoop, one, type Pacing, type Path } from '../lib/load.js';
import { makeTarget } from '../lib/sse-client.js';
import { round, summarize } from '../lib/stats.js';
import type { BenchContext, Metric, Scenario, ScenarioResult } from '../lib/types.js';
import type { ServerProcess } from '../lib/processes.js';

const SATURATION: Pacing = { deltas: 64, ttftMs: 0, tokenMs: 0 };
const FIRST: Pacing = { deltas: 8, ttftMs: 0, tokenMs: 0 };
const CONCURRENCY = 32;

async function createDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `studio_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

interface Setup {
  name: string;
  path: Path;
  stop(): Promise<void>;
}

export const scale: Scenario = {
  id: 'scale',
  title: 'Scale-out: 1 instance on SQLite vs 1 and 3 on PostgreSQL + Redis (store: true)',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const windowMs = ctx.quick ? 1500 : 5000;
    const rounds = ctx.quick ? 40 : 300;
    const failures: string[] = [];
    let own: { dir: string; postgresUrl: string; redisUrl: string } | null = null;
    let pgUrl = process.env.STUDIO_TEST_POSTGRES_URL;
    let redisUrl = process.env.STUDIO_TEST_REDIS_URL;
    if (!pgUrl || !redisUrl) {
      ctx.log('scale: starting a throwaway PostgreSQL and Redis');
      own = (await start()) as { dir: string; postgresUrl: string; redisUrl: string };
      pgUrl = own.postgresUrl;
      redisUrl = own.redisUrl;
    }
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-bench-scale-'));
    const cleanups: (() => Promise<void> | void)[] = [() => fs.rmSync(dataDir, { recursive: true, force: true })];
    if (own) {
      const dir = own.dir;
      cleanups.push(() => stop(dir));
    }
    const measured: Record<string, { deltasPerSecond: number; firstP50: number; firstP99: number; direct: number }> =
      {};
    try {
      const setups: (() => Promise<Setup>)[] = [
        async () => {
          const gw = await ctx.startGateway({ args: ['--data-dir', dataDir] });
          return { name: '1 × SQLite', path: { ...gw.path, store: true }, stop: () => gw.process.stop() };
        },
        async () => {
          const db = await createDatabase(pgUrl as string);
          const prefix = `bench-${randomBytes(4).toString('hex')}:`;
          const gw = await ctx.startGateway({
            args: ['--store', db.url, '--redis', redisUrl as string, '--redis-key-prefix', prefix],
          });
          return {
            name: '1 × PostgreSQL + Redis',
            path: { ...gw.path, store: true },
            stop: async () => {
              await gw.process.stop();
              await db.drop();
            },
          };
        },
        // The balancer's own hop, measured apart: one instance behind the same HAProxy.
        ...[1, 3].map((count) => async (): Promise<Setup> => {
          const db = await createDatabase(pgUrl as string);
          const prefix = `bench-${randomBytes(4).toString('hex')}:`;
          const procs: ServerProcess[] = [];
          for (let i = 0; i < count; i++) {
            const gw = await ctx.startGateway({
              args: [
                '--store',
                db.url,
                '--redis',
                redisUrl as string,
                '--redis-key-prefix',
                prefix,
                '--instance-id',
                `bench-${i + 1}`,
              ],
            });
            procs.push(gw.process);
          }
          const balancer = await startBalancer(procs.map((p) => p.url));
          return {
            name: `${count} × PostgreSQL + Redis (HAProxy)`,
            path: {
              kind: 'responses',
              target: makeTarget('haproxy', balancer.url),
              model: ctx.direct.model,
              store: true,
            },
            stop: async () => {
              await balancer.stop();
              for (const p of procs) await p.stop();
              await db.drop();
            },
          };
        }),
      ];
      for (const make of setups) {
        const setup = await make();
        try {
          ctx.log(`scale: ${setup.name}: first event, ${rounds} rounds`);
          const first: number[] = [];
          const direct: number[] = [];
          for (let i = 0; i < rounds; i++) {
            const d = await one(ctx.direct, FIRST);
            const g = await one(setup.path, FIRST);
            for (const p of g.problems) failures.push(`${setup.name}: ${p}`);
            if (i < rounds / 10) continue;
            direct.push(d.firstEventMs);
            first.push(g.firstEventMs);
          }
          ctx.log(`scale: ${setup.name}: ${CONCURRENCY} workers × ${windowMs} ms`);
          await closedLoop(setup.path, SATURATION, 8, 300);
          const loop = await closedLoop(setup.path, SATURATION, CONCURRENCY, windowMs);
          failures.push(...loop.problems.map((p) => `${setup.name}: ${p}`));
          const s = summarize(first);
          const sd = summarize(direct);
          measured[setup.name] = {
            deltasPerSecond: loop.deltasPerSecond,
            firstP50: s.p50 - sd.p50,
            firstP99: s.p99 - sd.p99,
            direct: sd.p50,
          };
        } finally {
          await setup.stop();
        }
      }
    } finally {
      for (const c of cleanups.reverse()) await c();
    }
    const metrics: Metric[] = [];
    for (const [name, m] of Object.entries(measured)) {
      const count = name.slice(0, 1);
      const slug = name.includes('SQLite')
        ? 'sqlite_1'
        : `pg_redis_${count}${name.includes('HAProxy') ? '_haproxy' : ''}`;
      metrics.push(
        {
          id: `scale_${slug}_deltas_per_s`,
          label: `${name}: content deltas/s at saturation (${CONCURRENCY} streams)`,
          value: Math.round(m.deltasPerSecond),
          unit: '/s',
        },
        {
          id: `scale_${slug}_first_event_added_p50_ms`,
          label: `${name}: added first-event latency p50 / p99`,
          value: round(m.firstP50),
          unit: 'ms',
          note: `p99 ${round(m.firstP99)} ms; direct p50 ${round(m.direct, 2)} ms`,
        },
      );
    }
    return {
      metrics,
      failures: failures.slice(0, 20),
      details: { windowMs, rounds, concurrency: CONCURRENCY, loadavg: os.loadavg(), measured },
    };
  },
};
