/**
 * Gateway RSS idle, under load and after. Idle is taken after a warm-up (so compiled code and
 * lazily loaded modules count as baseline, not as a leak); "after" is polled until it settles
 * back within the target or the settle time runs out, since V8 returns memory lazily. Once nothing
 * allocates any more, nothing collects either: the process keeps the load's garbage until its next
 * GC. Both ends are therefore also measured right after a full GC (the heap probe), which tells
 * memory the gateway holds from garbage it has not collected yet.
 *
 * Also what one open stream keeps alive: the live heap after a full GC with 256 streams in the
 * middle of their answers, minus the idle one, per stream; the same for the two reference servers
 * (the minimal translator and the bare pass-through). Young-generation pauses grow with what
 * survives them, and at a burst's start that is every stream's state (docs/benchmark.md).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { burst, closedLoop, one, type Pacing, type Path } from '../lib/load.js';
import { sampleRss, type HeapProbe, type ServerProcess } from '../lib/processes.js';
import { round } from '../lib/stats.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/types.js';

const PACED: Pacing = { deltas: 64, ttftMs: 0, tokenMs: 20 };
const UNPACED: Pacing = { deltas: 64, ttftMs: 0, tokenMs: 0 };
const MB = 1024 * 1024;
/** Streams held open for the footprint: 100 ms between deltas keeps each open for 6.4 s. */
const OPEN: Pacing = { deltas: 64, ttftMs: 0, tokenMs: 100 };
const OPEN_STREAMS = 256;
/** Into the open burst: every stream set up and about 20 deltas in. */
const OPEN_AT_MS = 2500;
/**
 * Long answers held open: 800 deltas 10 ms apart (8 s), measured 6 s in, about 600 deltas into
 * every answer (fewer where the machine falls behind the pacing): what grows with the answer's
 * length (its text, kept by the response and by the stream's validator).
 */
const LONG: Pacing = { deltas: 800, ttftMs: 0, tokenMs: 10 };
const LONG_AT_MS = 6000;
const SETTLE_MAX_MS = 15_000;
/** Time given to the allocator to hand freed pages back after a full GC. */
const GC_RETURN_MS = 500;

type Collect = (server: string, problems: string[]) => void;

/** The warm-up before "idle": compiled code and lazily loaded modules count as baseline. */
async function warmUp(name: string, path: Path, collect: Collect): Promise<void> {
  for (let i = 0; i < 50; i++) collect(name, (await one(path, UNPACED)).problems);
  for (const s of await burst(path, { ...PACED, tokenMs: 1 }, 64)) collect(name, s.problems);
  await sleep(1000);
}

/** Live heap kept per open stream, bytes: OPEN_STREAMS streams mid-answer, after a full GC, minus idle. */
async function keptPerStream(
  name: string,
  proc: ServerProcess,
  path: Path,
  idle: HeapProbe,
  collect: Collect,
  pacing: Pacing = OPEN,
  atMs = OPEN_AT_MS,
): Promise<number> {
  const streams = burst(path, pacing, OPEN_STREAMS);
  await sleep(atMs);
  const open = await proc.heapAfterGc();
  for (const s of await streams) collect(name, s.problems);
  return (open.heapUsed - idle.heapUsed) / OPEN_STREAMS;
}

/**
 * The same, short and long answers, for a reference server of its own, started with the heap
 * probe and stopped after.
 */
async function referenceKept(
  name: string,
  start: BenchContext['startTranslator'],
  collect: Collect,
): Promise<{ short: number; long: number }> {
  const { process: proc, path } = await start({ nodeFlags: ['--expose-gc'] });
  try {
    await warmUp(name, path, collect);
    const idle = await proc.heapAfterGc();
    const short = await keptPerStream(name, proc, path, idle, collect);
    await sleep(1000);
    return { short, long: await keptPerStream(name, proc, path, idle, collect, LONG, LONG_AT_MS) };
  } finally {
    await proc.stop();
  }
}

export const memory: Scenario = {
  id: 'memory',
  title: 'Gateway RSS idle / under load / after',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    // --expose-gc only enables the heap probe; nothing calls gc() unless the probe is asked.
    const { process: gw, path } = await ctx.startGateway({ nodeFlags: ['--expose-gc'] });
    const failures: string[] = [];
    const collectFrom: Collect = (server, problems) => {
      for (const p of problems) if (failures.length < 20) failures.push(`${server}: ${p}`);
    };
    const collect = (problems: string[]): void => collectFrom('gateway', problems);
    try {
      await warmUp('gateway', path, collectFrom);
      const idle = gw.rss();
      const heapIdle = await gw.heapAfterGc();
      await sleep(GC_RETURN_MS);
      const idleAfterGc = gw.rss();

      ctx.log(`memory: live heap per open stream (${OPEN_STREAMS} streams mid-answer)`);
      const kept = await keptPerStream('gateway', gw, path, heapIdle, collectFrom);
      await sleep(1000);
      ctx.log(
        `memory: the same, long answers (${LONG.deltas} deltas ${LONG.tokenMs} ms apart, ${LONG_AT_MS / 1000} s in)`,
      );
      const keptLong = await keptPerStream('gateway', gw, path, heapIdle, collectFrom, LONG, LONG_AT_MS);
      // Its own idle again: the open streams' garbage and the GC it took are behind it.
      await sleep(1000);

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
      // The reference servers last, one at a time: not beside the gateway while it is measured.
      ctx.log('memory: the same per open stream through the translator and the pass-through');
      const translatorKept = await referenceKept('translator', ctx.startTranslator, collectFrom);
      const passthroughKept = await referenceKept('passthrough', ctx.startPassthrough, collectFrom);
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
            id: 'heap_per_open_stream_kb',
            label: `Live JS heap per open stream (${OPEN_STREAMS} mid-answer)`,
            value: round(kept / 1024, 1),
            unit: 'KB',
            note: `translator ${round(translatorKept.short / 1024, 1)} / pass-through ${round(passthroughKept.short / 1024, 1)} KB (report only)`,
          },
          {
            id: 'heap_per_open_long_stream_kb',
            label: `Same, long answers (${OPEN_STREAMS} streams, ~${Math.round(LONG_AT_MS / LONG.tokenMs)} deltas in)`,
            value: round(keptLong / 1024, 1),
            unit: 'KB',
            note: `translator ${round(translatorKept.long / 1024, 1)} / pass-through ${round(passthroughKept.long / 1024, 1)} KB (report only)`,
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
        details: {
          idle,
          peak,
          after,
          settledMs,
          heapIdle,
          heapAfter,
          idleAfterGc,
          afterGc,
          kept,
          translatorKept,
          passthroughKept,
        },
      };
    } finally {
      await gw.stop();
    }
  },
};
