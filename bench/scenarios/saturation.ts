/**
 * Throughput at saturation: unpaced streams (token-ms 0) from a closed loop of workers for a
 * fixed window, content deltas per second through the gateway as a ratio of the direct rate.
 * The unit is the content delta because both paths carry exactly one per simulator delta (the
 * gateway's lifecycle events come on top and are not counted as throughput).
 *
 * Run twice through the gateway: with default write coalescing and with
 * `--responses-stream-buffer-max-bytes 0` (one socket write per event), which shows what L2
 * coalescing buys. Socket reads per stream on the client are the visible trace of the writes.
 *
 * The bare pass-through proxy runs the same loop: the gateway's rate is also given as a ratio of
 * what any Node proxy reaches on this machine. So does the minimal translator
 * (bench/servers/translator-process.ts), the least work that turns Chat chunks into the same
 * Responses events: its ratio to the pass-through is the ceiling any translating gateway has
 * here. A server's CPU per delta is its process's CPU time (user + system, /proc) during the
 * measured window over every delta it sent in that loop.
 */
import { closedLoop, type ClosedLoopResult, type Pacing } from '../lib/load.js';
import { cpuWhile } from '../lib/processes.js';
import { round } from '../lib/stats.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/types.js';

const PACING: Pacing = { deltas: 64, ttftMs: 0, tokenMs: 0 };
const CONCURRENCY = 64;

export const saturation: Scenario = {
  id: 'saturation',
  title: 'Events/s at saturation (unpaced)',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const windowMs = ctx.quick ? 1000 : 5000;
    const failures: string[] = [];
    ctx.log(`saturation: ${CONCURRENCY} workers × ${windowMs} ms, direct`);
    await closedLoop(ctx.direct, PACING, 8, 300);
    const direct = await closedLoop(ctx.direct, PACING, CONCURRENCY, windowMs);
    failures.push(...direct.problems);

    /** One server started for the loop: its rate and its process's CPU per delta in the window. */
    const measure = async (
      which: string,
      start: () => ReturnType<BenchContext['startGateway']>,
    ): Promise<ClosedLoopResult & { cpuMicrosPerDelta: number }> => {
      const server = await start();
      try {
        ctx.log(`saturation: ${CONCURRENCY} workers × ${windowMs} ms, ${which}`);
        await closedLoop(server.path, PACING, 8, 300);
        const { result: loop, micros: cpu } = await cpuWhile(server.process.pid, () =>
          closedLoop(server.path, PACING, CONCURRENCY, windowMs),
        );
        failures.push(...loop.problems);
        return { ...loop, cpuMicrosPerDelta: loop.deltasReceived > 0 ? cpu / loop.deltasReceived : NaN };
      } finally {
        await server.process.stop();
      }
    };
    const uncoalescedArgs = ['--responses-stream-buffer-max-bytes', '0'];
    const coalesced = await measure('gateway (defaults)', () => ctx.startGateway());
    const uncoalesced = await measure(`gateway ${uncoalescedArgs.join(' ')}`, () =>
      ctx.startGateway({ args: uncoalescedArgs }),
    );
    const passthrough = await measure('bare pass-through proxy', () => ctx.startPassthrough());
    const translator = await measure('minimal translator', () => ctx.startTranslator());

    const rate = (r: { deltasPerSecond: number }): string => `${Math.round(r.deltasPerSecond)}/s`;
    return {
      metrics: [
        {
          id: 'saturation_ratio',
          label: `Events/s at saturation, gateway ÷ direct (${CONCURRENCY} streams)`,
          value: round(coalesced.deltasPerSecond / direct.deltasPerSecond),
          unit: '×',
          note: `direct ${rate(direct)} / gateway ${rate(coalesced)}`,
        },
        {
          id: 'saturation_ratio_uncoalesced',
          label: 'Same, write coalescing off (buffer 0)',
          value: round(uncoalesced.deltasPerSecond / direct.deltasPerSecond),
          unit: '×',
          note: `gateway ${rate(uncoalesced)}`,
        },
        {
          id: 'saturation_ratio_passthrough',
          label: 'Events/s at saturation, gateway ÷ bare pass-through proxy',
          value: round(coalesced.deltasPerSecond / passthrough.deltasPerSecond),
          unit: '×',
          target: { op: '>=', value: 0.8 },
          note: `pass-through ${rate(passthrough)}`,
        },
        {
          id: 'saturation_translator_passthrough',
          label: 'Floor of translation: minimal translator ÷ bare pass-through',
          value: round(translator.deltasPerSecond / passthrough.deltasPerSecond),
          unit: '×',
          note: `translator ${rate(translator)}, ${round(translator.cpuMicrosPerDelta, 2)} µs CPU/delta (pass-through ${round(passthrough.cpuMicrosPerDelta, 2)})`,
        },
        {
          id: 'saturation_ratio_translator',
          label: 'Events/s at saturation, gateway ÷ minimal translator',
          value: round(coalesced.deltasPerSecond / translator.deltasPerSecond),
          unit: '×',
        },
        {
          id: 'gateway_cpu_us_per_delta',
          label: 'Gateway CPU per content delta at saturation (user + system)',
          value: round(coalesced.cpuMicrosPerDelta, 2),
          unit: 'µs',
          note: `coalescing off: ${round(uncoalesced.cpuMicrosPerDelta, 2)} µs`,
        },
        {
          id: 'reads_per_stream_coalesced',
          label: 'Client socket reads per stream, coalescing on / off',
          value: round(coalesced.readsPerStream, 1),
          unit: 'reads',
          note: `off: ${round(uncoalesced.readsPerStream, 1)}, direct: ${round(direct.readsPerStream, 1)}`,
        },
      ],
      failures: failures.slice(0, 20),
      details: {
        pacing: PACING,
        concurrency: CONCURRENCY,
        windowMs,
        direct,
        coalesced,
        uncoalesced,
        passthrough,
        translator,
      },
    };
  },
};
