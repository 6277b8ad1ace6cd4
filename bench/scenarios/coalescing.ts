/**
 * L2 write coalescing, before / after: the same paced streams through a gateway with coalescing
 * on (default `--responses-stream-buffer-max-bytes`) and one with it off (`0`: one socket write
 * per event). Coalescing must cut the socket writes (seen as client reads per stream) without
 * adding latency: the first-delta and inter-delta p99 of the two gateways are compared.
 * 32 streams start together, so many events are produced in the same tick. The two gateways
 * take turns, one burst each per round, alternating which goes first: each burst has the machine
 * to itself (two gateways racing for two cores measure the scheduler, not the writer), and drift
 * hits both alike. Warm-up bursts of the same size first, so the rounds do not include the
 * gateways' first connections to the simulator.
 */
import { burst, type Pacing, type Path } from '../lib/load.js';
import { medianInterval, round, summarize } from '../lib/stats.js';
import { gaps } from '../lib/streams.js';
import type { BenchContext, Metric, Scenario, ScenarioResult } from '../lib/types.js';

const PACING: Pacing = { deltas: 64, ttftMs: 0, tokenMs: 10 };
const NAMES = ['on', 'off'] as const;
type Name = (typeof NAMES)[number];

export const coalescing: Scenario = {
  id: 'coalescing',
  title: 'L2 write coalescing on vs off, paced 64 × 10 ms',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const on = await ctx.startGateway();
    const off = await ctx.startGateway({ args: ['--responses-stream-buffer-max-bytes', '0'] });
    const paths: Record<Name, Path> = { on: on.path, off: off.path };
    const failures: string[] = [];
    const reads: Record<Name, number[]> = { on: [], off: [] };
    const first: Record<Name, number[]> = { on: [], off: [] };
    const gap: Record<Name, number[]> = { on: [], off: [] };
    /** Per round: first-delta p99 with coalescing on minus off (a paired difference). */
    const pairedFirst: number[] = [];
    // Per stream: from its first event (`response.created`) to its first delta, which the writer
    // alone decides; the time before the first event is the burst's set-up queue, for both alike.
    const afterCreated: Record<Name, number[]> = { on: [], off: [] };
    const pairedAfterCreated: number[] = [];
    try {
      // A round's p99 difference swings by tens of milliseconds, so the notes give the median's 95 %
      // interval; how its width shrinks with the rounds is in docs/benchmark.md (2026-12-02 17:12).
      const rounds = ctx.quick ? 4 : 48;
      const concurrency = 32;
      for (const name of NAMES) await burst(paths[name], { ...PACING, tokenMs: 1 }, concurrency);
      ctx.log(`coalescing: ${concurrency} streams per gateway × ${rounds} round(s), on and off taking turns`);
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? NAMES : ([...NAMES].reverse() as Name[]);
        const roundFirst: Record<Name, number[]> = { on: [], off: [] };
        const roundAfterCreated: Record<Name, number[]> = { on: [], off: [] };
        for (const name of order) {
          for (const s of await burst(paths[name], PACING, concurrency)) {
            const sinceCreated = s.firstDeltaMs - s.firstEventMs;
            roundFirst[name].push(s.firstDeltaMs);
            roundAfterCreated[name].push(sinceCreated);
            afterCreated[name].push(sinceCreated);
            for (const p of s.problems) failures.push(`${name}: ${p}`);
            reads[name].push(s.reads);
            first[name].push(s.firstDeltaMs);
            gap[name].push(...gaps(s.deltaAt));
          }
        }
        pairedFirst.push(summarize(roundFirst.on).p99 - summarize(roundFirst.off).p99);
        pairedAfterCreated.push(summarize(roundAfterCreated.on).p99 - summarize(roundAfterCreated.off).p99);
      }
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      /** The median's 95 % confidence interval over the rounds, for a note; empty with too few rounds. */
      const interval = (xs: number[]): string => {
        const ci = medianInterval(xs);
        return ci ? `median's 95 % interval ${round(ci.low, 2)} to ${round(ci.high, 2)} ms; ` : '';
      };
      const g = { on: summarize(gap.on), off: summarize(gap.off) };
      const f = { on: summarize(first.on), off: summarize(first.off) };
      const c = { on: summarize(afterCreated.on), off: summarize(afterCreated.off) };
      const metrics: Metric[] = [
        {
          id: 'coalescing_reads_per_stream',
          label: 'Socket reads per stream, coalescing on',
          value: round(mean(reads.on), 1),
          unit: 'reads',
          note: `off: ${round(mean(reads.off), 1)}`,
        },
        {
          // A burst's p99 swings by tens of milliseconds from round to round on this machine (32
          // requests queue behind each other); the paired per-round difference cancels that.
          id: 'coalescing_first_delta_added_p99_ms',
          label: 'First-delta p99, on minus off (median of paired rounds)',
          value: round(summarize(pairedFirst).p50),
          unit: 'ms',
          target: { op: '<=', value: 1 },
          note: `${interval(pairedFirst)}pooled p99 on ${round(f.on.p99, 2)} / off ${round(f.off.p99, 2)} ms`,
        },
        {
          id: 'coalescing_after_created_added_p99_ms',
          label: '  same, from response.created to the first delta only',
          value: round(summarize(pairedAfterCreated).p50),
          unit: 'ms',
          note: `${interval(pairedAfterCreated)}pooled p99 on ${round(c.on.p99, 2)} / off ${round(c.off.p99, 2)} ms`,
        },
        {
          id: 'coalescing_gap_added_p99_ms',
          label: 'Inter-delta gap p99, on minus off',
          value: round(g.on.p99 - g.off.p99),
          unit: 'ms',
          target: { op: '<=', value: 1 },
          note: `on ${round(g.on.p99, 2)} / off ${round(g.off.p99, 2)} ms`,
        },
      ];
      return {
        metrics,
        failures: failures.slice(0, 20),
        details: {
          reads: { on: mean(reads.on), off: mean(reads.off) },
          gap: g,
          first: f,
          pairedFirst,
          afterCreated: c,
          pairedAfterCreated,
        },
      };
    } finally {
      await on.process.stop();
      await off.process.stop();
    }
  },
};
