/**
 * Added time-to-first-event at one stream: the same request is sent in turn straight to the
 * simulator, through a bare pass-through proxy and through the gateway (taking turns cancels
 * drift: GC, CPU frequency, other load), and a path's percentile minus the direct percentile is
 * what that path adds. The pass-through row is the floor of the extra hop on this machine; the
 * minimal translator (bench/servers/translator-process.ts) the floor of turning Chat chunks into
 * Responses events.
 */
import { one, type Pacing, type Path } from '../lib/load.js';
import { COMPARED_PATHS, perPath, type ComparedPath } from '../lib/compared-paths.js';
import { round, summarize, type Summary } from '../lib/stats.js';
import type { BenchContext, Metric, Scenario, ScenarioResult } from '../lib/types.js';

// Unpaced and short: the first event is what is measured, the rest only has to arrive whole.
const PACING: Pacing = { deltas: 8, ttftMs: 0, tokenMs: 0 };

export const firstEvent: Scenario = {
  id: 'first-event',
  title: 'Added time-to-first-event, 1 stream',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const gw = await ctx.startGateway();
    const pt = await ctx.startPassthrough();
    const tr = await ctx.startTranslator();
    try {
      const paths: Record<ComparedPath, Path> = {
        direct: ctx.direct,
        passthrough: pt.path,
        translator: tr.path,
        gateway: gw.path,
      };
      const warmup = ctx.quick ? 20 : 200;
      const samples = ctx.quick ? 100 : 1000;
      const first = perPath((): number[] => []);
      const delta = perPath((): number[] => []);
      const failures: string[] = [];
      ctx.log(
        `first-event: ${warmup} warm-up + ${samples} measured rounds (direct, pass-through, translator, gateway)`,
      );
      for (let i = 0; i < warmup + samples; i++) {
        for (const name of COMPARED_PATHS) {
          const a = await one(paths[name], PACING);
          for (const p of a.problems) failures.push(`${name}: ${p}`);
          if (i < warmup) continue;
          first[name].push(a.firstEventMs);
          delta[name].push(a.firstDeltaMs);
        }
      }
      const s = perPath((name) => summarize(first[name]));
      const sd = perPath((name) => summarize(delta[name]));
      const row = (
        id: string,
        label: string,
        of: Record<string, Summary>,
        name: Exclude<ComparedPath, 'direct'>,
        p: 'p50' | 'p99',
        target?: number,
      ): Metric => ({
        id,
        label,
        value: round(of[name][p] - of.direct[p]),
        unit: 'ms',
        ...(target === undefined ? {} : { target: { op: '<=' as const, value: target } }),
        note: `${p} direct ${round(of.direct[p], 2)} / ${name} ${round(of[name][p], 2)} ms`,
      });
      return {
        metrics: [
          row('first_event_added_p50_ms', 'Added first-event latency p50 (1 stream)', s, 'gateway', 'p50', 1),
          row('first_event_added_p99_ms', 'Added first-event latency p99 (1 stream)', s, 'gateway', 'p99', 3),
          row('first_event_passthrough_p50_ms', '  floor: bare pass-through proxy, p50', s, 'passthrough', 'p50'),
          row('first_event_passthrough_p99_ms', '  floor: bare pass-through proxy, p99', s, 'passthrough', 'p99'),
          {
            // The gateway's own cost: what it adds beyond any extra Node hop on this machine.
            id: 'first_event_over_floor_p50_ms',
            label: 'First-event p50, gateway − pass-through floor',
            value: round(s.gateway.p50 - s.passthrough.p50),
            unit: 'ms',
            target: { op: '<=', value: 0.15 },
            note: `p50 pass-through ${round(s.passthrough.p50, 2)} / gateway ${round(s.gateway.p50, 2)} ms`,
          },
          {
            // The least any translating gateway adds beyond the hop: the ceiling of the row above.
            id: 'first_event_translator_over_floor_p50_ms',
            label: '  floor of translation: minimal translator − pass-through, p50',
            value: round(s.translator.p50 - s.passthrough.p50),
            unit: 'ms',
            note: `p50 translator ${round(s.translator.p50, 2)} ms`,
          },
          row('first_delta_added_p50_ms', 'Added first-delta latency p50 (1 stream)', sd, 'gateway', 'p50'),
          row('first_delta_added_p99_ms', 'Added first-delta latency p99 (1 stream)', sd, 'gateway', 'p99'),
        ],
        failures: failures.slice(0, 20),
        details: { pacing: PACING, firstEvent: s, firstDelta: sd },
      };
    } finally {
      await gw.process.stop();
      await pt.process.stop();
      await tr.process.stop();
    }
  },
};
