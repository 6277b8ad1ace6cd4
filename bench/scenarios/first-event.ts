/**
 * Added time-to-first-event at one stream: the same request is sent in turn straight to the
 * simulator, through a bare pass-through proxy and through the gateway (taking turns cancels
 * drift: GC, CPU frequency, other load), and a path's percentile minus the direct percentile is
 * what that path adds. The pass-through row is the floor of the extra hop on this machine; the
 * minimal translator (bench/servers/translator-process.ts) the floor of turning Chat chunks into
 * Responses events.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { one, type Pacing, type Path } from '../lib/load.js';
import { COMPARED_PATHS, PROXY_PATHS, perPath, type ComparedPath, type ProxyPath } from '../lib/compared-paths.js';
import { cpuTimesOf } from '../lib/processes.js';
import { round, summarize, type Summary } from '../lib/stats.js';
import { msMetric, type BenchContext, type Metric, type Scenario, type ScenarioResult } from '../lib/types.js';

// Unpaced and short: the first event is what is measured, the rest only has to arrive whole.
const PACING: Pacing = { deltas: 8, ttftMs: 0, tokenMs: 0 };

const PROBE = fileURLToPath(new URL('../lib/phase-probe.mjs', import.meta.url));

/** One request as bench/lib/phase-probe.mjs saw it inside a server process (performance.now() ms). */
interface PhaseRow {
  arrived: number;
  upstreamSent: number;
  upstreamHeaders: number;
  firstWrite: number;
}

/** Per-phase p50 of the measured requests of one process (its first `skip` rows are the warm-up). */
function phases(file: string, skip: number): { before: number; upstream: number; after: number } {
  const rows = (JSON.parse(readFileSync(file, 'utf8')) as PhaseRow[])
    .slice(skip)
    .filter((r) => r.upstreamSent > 0 && r.upstreamHeaders > 0 && r.firstWrite > 0);
  const p50 = (f: (r: PhaseRow) => number): number => summarize(rows.map(f)).p50;
  return {
    before: p50((r) => r.upstreamSent - r.arrived),
    upstream: p50((r) => r.upstreamHeaders - r.upstreamSent),
    after: p50((r) => r.firstWrite - r.upstreamHeaders),
  };
}

/**
 * Unmeasured rounds before the measured ones, long enough for V8 to have compiled what every
 * request runs: after 200 rounds the gateway's background threads were still compiling about
 * 0.3 ms of CPU per request, which the other processes on the two cores feel; after a few
 * thousand they are near idle, as in a gateway that has been up for a while. The CPU rows show
 * what the measured rounds cost. `npm run bench:compare` warms up as many streams per side.
 */
export const FIRST_EVENT_WARMUP = 3000;

export const firstEvent: Scenario = {
  id: 'first-event',
  title: 'Added time-to-first-event, 1 stream',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    // Each server process reports where its time goes (bench/lib/phase-probe.mjs).
    const phaseDir = mkdtempSync(join(os.tmpdir(), 'bench-phases-'));
    const probe = { nodeFlags: ['--import', PROBE], env: { BENCH_PHASE_DIR: phaseDir } };
    const gw = await ctx.startGateway(probe);
    const pt = await ctx.startPassthrough(probe);
    const tr = await ctx.startTranslator(probe);
    const pids: Record<ProxyPath, number> = {
      passthrough: pt.process.pid,
      translator: tr.process.pid,
      gateway: gw.process.pid,
    };
    const warmup = ctx.quick ? 20 : FIRST_EVENT_WARMUP;
    const samples = ctx.quick ? 100 : 1000;
    let result: ScenarioResult;
    try {
      const paths: Record<ComparedPath, Path> = {
        direct: ctx.direct,
        passthrough: pt.path,
        translator: tr.path,
        gateway: gw.path,
      };
      const first = perPath((): number[] => []);
      const delta = perPath((): number[] => []);
      const failures: string[] = [];
      ctx.log(
        `first-event: ${warmup} warm-up + ${samples} measured rounds (direct, pass-through, translator, gateway)`,
      );
      /** One stream through every path in turn; a measured round keeps the timings. */
      const roundOfAll = async (measured: boolean): Promise<void> => {
        for (const name of COMPARED_PATHS) {
          const a = await one(paths[name], PACING);
          for (const p of a.problems) failures.push(`${name}: ${p}`);
          if (!measured) continue;
          first[name].push(a.firstEventMs);
          delta[name].push(a.firstDeltaMs);
        }
      };
      for (let i = 0; i < warmup; i++) await roundOfAll(false);
      const cpuStart = perPath((name) => cpuTimesOf(pids[name]), PROXY_PATHS);
      for (let i = 0; i < samples; i++) await roundOfAll(true);
      const cpuEnd = perPath((name) => cpuTimesOf(pids[name]), PROXY_PATHS);
      /** CPU µs per measured request of one server: all threads, and V8's background threads alone. */
      const cpu = perPath((name) => {
        const all = (cpuEnd[name].all - cpuStart[name].all) / samples;
        return { all, background: all - (cpuEnd[name].main - cpuStart[name].main) / samples };
      }, PROXY_PATHS);
      const s = perPath((name) => summarize(first[name]));
      const sd = perPath((name) => summarize(delta[name]));
      /** A path's percentile minus the direct one. */
      const row = (
        id: string,
        label: string,
        of: Record<ComparedPath, Summary>,
        name: ProxyPath,
        p: 'p50' | 'p99',
        target?: number,
      ): Metric =>
        msMetric(
          id,
          label,
          of[name][p] - of.direct[p],
          `${p} direct ${round(of.direct[p], 2)} / ${name} ${round(of[name][p], 2)} ms`,
          target,
        );
      result = {
        metrics: [
          row('first_event_added_p50_ms', 'Added first-event latency p50 (1 stream)', s, 'gateway', 'p50', 1),
          row('first_event_added_p99_ms', 'Added first-event latency p99 (1 stream)', s, 'gateway', 'p99', 3),
          row('first_event_passthrough_p50_ms', '  floor: bare pass-through proxy, p50', s, 'passthrough', 'p50'),
          row('first_event_passthrough_p99_ms', '  floor: bare pass-through proxy, p99', s, 'passthrough', 'p99'),
          // The gateway's own cost: what it adds beyond any extra Node hop on this machine.
          msMetric(
            'first_event_over_floor_p50_ms',
            'First-event p50, gateway − pass-through floor',
            s.gateway.p50 - s.passthrough.p50,
            `p50 pass-through ${round(s.passthrough.p50, 2)} / gateway ${round(s.gateway.p50, 2)} ms`,
            0.15,
          ),
          // The least any translating gateway adds beyond the hop: the ceiling of the row above.
          msMetric(
            'first_event_translator_over_floor_p50_ms',
            '  floor of translation: minimal translator − pass-through, p50',
            s.translator.p50 - s.passthrough.p50,
            `p50 translator ${round(s.translator.p50, 2)} ms`,
          ),
          row('first_delta_added_p50_ms', 'Added first-delta latency p50 (1 stream)', sd, 'gateway', 'p50'),
          row('first_delta_added_p99_ms', 'Added first-delta latency p99 (1 stream)', sd, 'gateway', 'p99'),
          {
            id: 'first_event_cpu_per_request_us',
            label: '  gateway CPU per single stream (all threads)',
            value: round(cpu.gateway.all, 1),
            unit: 'µs',
            note: `pass-through ${round(cpu.passthrough.all)} / translator ${round(cpu.translator.all)} µs`,
          },
          {
            id: 'first_event_background_cpu_per_request_us',
            label: "  of which V8's background threads (JIT, GC)",
            value: round(cpu.gateway.background, 1),
            unit: 'µs',
            note: `pass-through ${round(cpu.passthrough.background)} / translator ${round(cpu.translator.background)} µs`,
          },
        ],
        failures: failures.slice(0, 20),
        details: { pacing: PACING, firstEvent: s, firstDelta: sd },
      };
    } finally {
      await gw.process.stop();
      await pt.process.stop();
      await tr.process.stop();
    }
    try {
      const where = perPath((name) => phases(join(phaseDir, `${pids[name]}.json`), warmup), PROXY_PATHS);
      const row = (id: string, label: string, phase: 'before' | 'upstream' | 'after'): Metric =>
        msMetric(
          id,
          label,
          where.gateway[phase],
          `p50 pass-through ${round(where.passthrough[phase])} / translator ${round(where.translator[phase])} / gateway ${round(where.gateway[phase])} ms`,
        );
      result.metrics.push(
        row(
          'first_event_phase_before_upstream_p50_ms',
          '  inside the gateway: request in → upstream request out, p50',
          'before',
        ),
        row(
          'first_event_phase_upstream_p50_ms',
          '  inside the gateway: upstream request out → its headers in, p50',
          'upstream',
        ),
        row(
          'first_event_phase_after_headers_p50_ms',
          '  inside the gateway: upstream headers in → first bytes out, p50',
          'after',
        ),
      );
      result.details = { ...result.details, phases: where };
    } catch (e) {
      result.failures.push(`phase probe: ${(e as Error).message}`);
    } finally {
      rmSync(phaseDir, { recursive: true, force: true });
    }
    return result;
  },
};
