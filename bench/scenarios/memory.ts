/**
 * Gateway RSS idle, under load and after. Idle is taken after a warm-up (so compiled code and
 * lazily loaded modules count as baseline, not as a leak); "after" is polled until it settles
 * back within the target or the settle time runs out, since V8 returns memory lazily. Once nothing
 * allocates any more, nothing collects either: the process keeps the load's garbage until its next
 * GC. Both ends are therefore also measured right after a full GC (the heap probe), which tells
 * memory the gateway holds from garbage it has not collected yet.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { burst, closedLoop, one, type Pacing } from '../lib/load.js';
import { sampleRss } from '../lib/processes.js';
import { round } from '../lib/stats.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/types.js';

const PACED: Pacing = { deltas: 64, ttftMs: 0, tokenMs: 20 };
const UNPACED: Pacing = { deltas: 64, ttftMs: 0, tokenMs: 0 };
const MB = 1024 * 1024;
const SETTLE_MAX_MS = 15_000;
/** Time given to the allocator to hand freed pages back after a full GC. */
const GC_RETURN_MS = 500;

export const memory: Scenario = {
  id: 'memory',
  title: 'Gateway RSS idle / under load / after',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    // --expose-gc only enables the heap probe; nothing calls gc() unless the probe is asked.
    const { process: gw, path } = await ctx.startGateway({ nodeFlags: ['--expose-gc'] });
    const failures: string[] = [];
    const collect = (problems: string[]): void => {
      for (const p of problems) if (failures.length < 20) failures.push(`gateway: ${p}`);
    };
    try {
      for (let i = 0; i < 50; i++) collect((await one(path, UNPACED)).problems);
      for (const s of await burst(path, { ...PACED, tokenMs: 1 }, 64)) collect(s.problems);
      await sleep(1000);
      const idle = gw.rss();
      const heapIdle = await gw.heapAfterGc();
      await sleep(GC_RETURN_MS);
      const idleAfterGc = gw.rss();

      ctx.log('memory: 256 paced streams, then unpaced closed loop');
      const sampler = sampleRss(gw);
      for (const s of await burst(path, PACED, 256)) collect(s.problems);
      collect((await closedLoop(path, UNPACED, 64, ctx.quick ? 1000 : 3000)).problems);
      const peak = sampler.stop();

      ctx.log('memory: waiting for RSS to settle');
      const settleStart = Date.now();
      let after = gw.rss();
      while (after > idle * 1.1 && Date.now() - settleStart < SETTLE_MAX_MS) {
        await sleep(500);
        after = gw.rss();
      }
      const settledMs = Date.now() - settleStart;
      // After the RSS reading: the forced GC must not flatter "after".
      const heapAfter = await gw.heapAfterGc();
      await sleep(GC_RETURN_MS);
      const afterGc = gw.rss();
      const growth = ((after - idle) / idle) * 100;
      return {
        metrics: [
          { id: 'rss_idle_mb', label: 'Gateway RSS idle', value: round(idle / MB, 1), unit: 'MB' },
          { id: 'rss_load_mb', label: 'Gateway RSS under load (peak)', value: round(peak / MB, 1), unit: 'MB' },
          {
            id: 'rss_after_mb',
            label: 'Gateway RSS after load',
            value: round(after / MB, 1),
            unit: 'MB',
            note: `settled for ${(settledMs / 1000).toFixed(1)} s`,
          },
          {
            id: 'rss_after_growth_pct',
            label: 'RSS after vs idle',
            value: round(growth, 1),
            unit: '%',
            target: { op: '<=', value: 10 },
          },
          {
            id: 'rss_after_gc_growth_pct',
            label: 'RSS after vs idle, both right after a full GC',
            value: round(((afterGc - idleAfterGc) / idleAfterGc) * 100, 1),
            unit: '%',
            note: `idle ${round(idleAfterGc / MB, 1)} / after ${round(afterGc / MB, 1)} MB; external memory idle ${round(heapIdle.external / MB, 1)} / after ${round(heapAfter.external / MB, 1)} MB`,
          },
          {
            id: 'heap_after_gc_growth_mb',
            label: 'Live JS heap after full GC, after − idle',
            value: round((heapAfter.heapUsed - heapIdle.heapUsed) / MB, 1),
            unit: 'MB',
            note: `idle ${round(heapIdle.heapUsed / MB, 1)} / after ${round(heapAfter.heapUsed / MB, 1)} MB (leak check)`,
          },
        ],
        failures,
        details: { idle, peak, after, settledMs, heapIdle, heapAfter, idleAfterGc, afterGc },
      };
    } finally {
      await gw.stop();
    }
  },
};
