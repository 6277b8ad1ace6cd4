/**
 * Added inter-event latency with the simulator paced at 64 deltas × 20 ms, for 1, 64 and 256
 * concurrent streams. All streams of a burst start together, so the simulator emits their deltas
 * in the same timer tick, as a batched vLLM decode step does: the hardest case for a proxy.
 *
 * Two views of the same arrivals (docs/benchmark.md):
 * - gap: time between consecutive content deltas of a stream; added = gateway p99 − direct p99.
 * - schedule lag: how far delta k arrives behind the stream's best `t0 + k × 20 ms`; this one also
 *   shows a proxy that falls steadily behind, which gaps alone would hide.
 * Besides the bare pass-through proxy (the floor of the extra hop), the minimal translator
 * (bench/servers/translator-process.ts) runs the same bursts: the floor of translating Chat
 * chunks into Responses events on this machine.
 *
 * A p99 over a few bursts moves by several milliseconds from one run to the next, so each round's
 * p99 of every path is kept too and the differences between paths of the same round are
 * summarized by their median (paired rows). And since every content delta of a burst arrives in
 * the same decode step, the last stream's delta waits for the other streams' work: the main-thread
 * CPU per paced delta of each server, times the number of streams, is what one decode step costs it.
 * Its kernel part is shown apart (a CPU profile charges descheduled time to the write call), and
 * the CPU of the whole machine per paced delta (this load generator, the simulator and the server)
 * says how close a level of streams brings the machine to saturation.
 */
import { burst, closeIdleConnections, type Pacing, type Path } from '../lib/load.js';
import { COMPARED_PATHS, PROXY_PATHS, perPath, type ComparedPath, type ProxyPath } from '../lib/compared-paths.js';
import {
  cpuMicrosOf,
  mainThreadCpuSplitOf,
  mainThreadWaitedMicrosOf,
  runtimeMicrosOf,
  type CpuSplit,
} from '../lib/processes.js';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { pairedDifferences, round, summarize, type Paired } from '../lib/stats.js';
import { burstTimings, gapsBySetUp } from '../lib/streams.js';
import { msMetric, type BenchContext, type Metric, type Scenario, type ScenarioResult } from '../lib/types.js';

/** A vLLM decode step every 20 ms, 64 of them per stream (`npm run bench:compare --paced-rounds` too). */
export const PACING: Pacing = { deltas: 64, ttftMs: 0, tokenMs: 20 };

/**
 * Gaps ending at deltas 1…10 are counted apart from the later ones: while they arrive, the other
 * streams of the burst may still be being set up on the same event loop.
 */
const SET_UP_DELTAS = 10;

/**
 * Before each measured burst, an unmeasured one of the same size whose streams all stay open
 * together (one delta after this long), so that every path starts its measured burst with that many
 * open upstream connections. Without it the paths' turns (about 4.5 s apart at 256 streams) fall
 * between the gateway's idle-connection limit (4 s, below uvicorn's 5 s keep-alive: a request never
 * lands on a socket the server is closing) and the reference proxies' (until the server closes, 5 s):
 * the gateway alone reconnected its 256 upstream connections at the start of every burst. The load
 * generator's own connections are closed after it, as its agent's 1 s idle limit closed them
 * between turns before: the measured burst's requests arrive as their connections are accepted.
 */
export const OPENING: Pacing = { deltas: 1, ttftMs: 1_000, tokenMs: 0 };
/** Quiet after the opening burst, so that its streams' endings are behind the measured one. */
const OPENING_QUIET_MS = 100;

export const interEvent: Scenario = {
  id: 'inter-event',
  title: 'Added inter-event latency, paced 64 × 20 ms',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const gw = await ctx.startGateway();
    const pt = await ctx.startPassthrough();
    const tr = await ctx.startTranslator();
    const paths: Record<ComparedPath, Path> = {
      direct: ctx.direct,
      passthrough: pt.path,
      translator: tr.path,
      gateway: gw.path,
    };
    const metrics: Metric[] = [];
    const failures: string[] = [];
    const details: Record<string, unknown> = { pacing: PACING };
    try {
      // A short unmeasured burst so every path is past JIT warm-up.
      for (const name of COMPARED_PATHS) await burst(paths[name], { ...PACING, tokenMs: 1 }, 16);
      // Rounds per level: enough gaps for a stable p99 (63 gaps per stream), and enough rounds
      // for a median of the paired per-round differences. `--paced-rounds` sets the 256-stream
      // level's (about 4.5 s per round and path).
      const levels: [number, number][] = [
        [1, ctx.quick ? 1 : 6],
        [64, ctx.quick ? 1 : 4],
        [256, ctx.pacedRounds ?? (ctx.quick ? 1 : 6)],
      ];
      const pids: Record<ProxyPath, number> = {
        passthrough: pt.process.pid,
        translator: tr.process.pid,
        gateway: gw.process.pid,
      };
      for (const [concurrency, rounds] of levels) {
        ctx.log(`inter-event: ${concurrency} stream(s) × ${rounds} round(s) per path`);
        const g = perPath((): number[] => []);
        const l = perPath((): number[] => []);
        // Per round: each path's gap and lag p99, for the paired rows.
        const roundGap = perPath((): number[] => []);
        const roundLag = perPath((): number[] => []);
        // Per round: each path's gap p99 during the burst's set-up and after it.
        const roundSetUp = perPath((): number[] => []);
        const roundAfter = perPath((): number[] => []);
        // Main-thread CPU of each server process over all its bursts of this level, and its kernel part.
        const cpu = perPath(() => 0);
        const kernel = perPath(() => 0);
        // CPU of the whole machine (load generator, simulator, server) over the same bursts.
        const machine = perPath(() => 0);
        for (let r = 0; r < rounds; r++) {
          // Rotate which path goes first so slow drift cannot favour one of them.
          const order = COMPARED_PATHS.map((_, i) => COMPARED_PATHS[(i + r) % COMPARED_PATHS.length]);
          for (const name of order) {
            const pid = serverPidOf(pids, name);
            await burst(paths[name], OPENING, concurrency);
            closeIdleConnections(paths[name]);
            await sleep(OPENING_QUIET_MS);
            const before = machineCpu(ctx.simulator.pid, pid);
            const streams = await burst(paths[name], PACING, concurrency);
            const after = machineCpu(ctx.simulator.pid, pid);
            cpu[name] += after.main.user + after.main.system - before.main.user - before.main.system;
            kernel[name] += after.main.system - before.main.system;
            machine[name] += after.total - before.total;
            for (const s of streams) for (const p of s.problems) failures.push(`${name} @${concurrency}: ${p}`);
            const { gaps: rg, lags: rl } = burstTimings(streams, PACING.tokenMs);
            g[name].push(...rg);
            l[name].push(...rl);
            roundGap[name].push(summarize(rg).p99);
            roundLag[name].push(summarize(rl).p99);
            const split = gapsBySetUp(streams, SET_UP_DELTAS);
            roundSetUp[name].push(summarize(split.setUp).p99);
            roundAfter[name].push(summarize(split.after).p99);
          }
        }
        const gs = perPath((name) => summarize(g[name]));
        const ls = perPath((name) => summarize(l[name]));
        /** One path's per-round p99 minus another's, paired by round. */
        const over = (perRound: Record<ComparedPath, number[]>, name: ComparedPath, base: ComparedPath): Paired =>
          pairedDifferences(perRound[base], perRound[name]);
        /** Quartiles of the per-round differences, and the 95 % interval of their median from 6 rounds up. */
        const spread = (p: Paired): string =>
          `quartiles ${round(p.q1, 2)} – ${round(p.q3, 2)} ms` +
          (p.interval ? `, median's 95 % interval ${round(p.interval.low, 2)} – ${round(p.interval.high, 2)} ms` : '');
        /** A paired gap row: the gateway over the pass-through, the translator's median in the note. */
        const pairedGap = (id: string, label: string, perRound: Record<ComparedPath, number[]>): Metric => {
          const gw = over(perRound, 'gateway', 'passthrough');
          const tr = over(perRound, 'translator', 'passthrough');
          return msMetric(id, label, gw.median, `${spread(gw)}; translator − pass-through ${round(tr.median, 2)} ms`);
        };
        const deltas = rounds * concurrency * PACING.deltas;
        const perDelta = (total: Record<ComparedPath, number>): Record<ComparedPath, number> =>
          perPath((name) => total[name] / deltas);
        const cpuPerDelta = perDelta(cpu);
        const kernelPerDelta = perDelta(kernel);
        const machinePerDelta = perDelta(machine);
        /** One path's main-thread CPU for one decode step (a delta of every stream), ms. */
        const step = (name: ComparedPath): number => (cpuPerDelta[name] * concurrency) / 1000;
        /** The same, for a note: ms with two decimals. */
        const stepNote = (name: ComparedPath): number => round(step(name), 2);
        /** One path's value of a per-delta record, µs with one decimal. */
        const us = (values: Record<ComparedPath, number>, name: ComparedPath): string => `${round(values[name], 1)}`;
        // Share of all cores kept busy by `concurrency` streams at one delta per PACING.tokenMs.
        const busy = (name: ComparedPath): string =>
          `${round((machinePerDelta[name] * concurrency * 100) / PACING.tokenMs / 1000 / os.cpus().length, 0)} %`;
        const streams = `${concurrency} stream${concurrency > 1 ? 's' : ''}`;
        const gap = (name: ComparedPath): string => `${round(gs[name].p99, 2)}`;
        const lag = (name: ComparedPath): string => `${round(ls[name].p99, 2)}`;
        const at256 = (target: number): number | undefined => (concurrency === 256 ? target : undefined);
        metrics.push(
          // The issue sets the target at 256 streams; lower levels are held to it too.
          msMetric(
            `inter_event_added_p99_ms_c${concurrency}`,
            `Added inter-event gap p99 (${streams})`,
            gs.gateway.p99 - gs.direct.p99,
            `gap p99 direct ${gap('direct')} / gateway ${gap('gateway')} ms`,
            2,
          ),
          msMetric(
            `inter_event_passthrough_p99_ms_c${concurrency}`,
            '  floor: bare pass-through proxy',
            gs.passthrough.p99 - gs.direct.p99,
            `gap p99 pass-through ${gap('passthrough')} ms`,
          ),
          // The gateway's own share: beyond what the bare pass-through proxy adds (targets at 256 streams).
          msMetric(
            `inter_event_over_floor_p99_ms_c${concurrency}`,
            `  gap p99, gateway − pass-through floor (${streams})`,
            gs.gateway.p99 - gs.passthrough.p99,
            `gap p99 pass-through ${gap('passthrough')} / gateway ${gap('gateway')} ms`,
            at256(1),
          ),
          msMetric(
            `inter_event_translator_over_floor_p99_ms_c${concurrency}`,
            '  floor of translation: minimal translator − pass-through',
            gs.translator.p99 - gs.passthrough.p99,
            `gap p99 translator ${gap('translator')} ms`,
          ),
          msMetric(
            `schedule_lag_added_p99_ms_c${concurrency}`,
            `Added schedule lag p99 (${streams})`,
            ls.gateway.p99 - ls.direct.p99,
            `lag p99 direct ${lag('direct')} / pass-through ${lag('passthrough')} / gateway ${lag('gateway')} ms`,
            at256(10),
          ),
          msMetric(
            `schedule_lag_translator_p99_ms_c${concurrency}`,
            '  floor of translation: minimal translator',
            ls.translator.p99 - ls.direct.p99,
            `lag p99 translator ${lag('translator')} ms`,
          ),
        );
        if (rounds >= 3) {
          const lagGw = over(roundLag, 'gateway', 'direct');
          const trGap = over(roundGap, 'translator', 'passthrough');
          const gwOverTr = over(roundGap, 'gateway', 'translator');
          metrics.push(
            pairedGap(
              `inter_event_over_floor_paired_ms_c${concurrency}`,
              `  gap p99, gateway − pass-through, median of ${rounds} rounds`,
              roundGap,
            ),
            // Whether translating at all fits the target: the minimal translator's own paired row.
            msMetric(
              `inter_event_translator_over_floor_paired_ms_c${concurrency}`,
              `    floor of translation: minimal translator − pass-through, median of ${rounds} rounds`,
              trGap.median,
              spread(trGap),
            ),
            msMetric(
              `inter_event_over_translator_paired_ms_c${concurrency}`,
              `    the gateway's own part: gateway − minimal translator, median of ${rounds} rounds`,
              gwOverTr.median,
              spread(gwOverTr),
            ),
          );
          if (concurrency > 1)
            metrics.push(
              pairedGap(
                `inter_event_setup_over_floor_paired_ms_c${concurrency}`,
                `    same, gaps ending at deltas 1–${SET_UP_DELTAS} only (the burst still being set up)`,
                roundSetUp,
              ),
              pairedGap(
                `inter_event_after_setup_over_floor_paired_ms_c${concurrency}`,
                `    same, gaps ending at deltas ${SET_UP_DELTAS + 1}–${PACING.deltas - 1} only`,
                roundAfter,
              ),
            );
          metrics.push(
            msMetric(
              `schedule_lag_added_paired_ms_c${concurrency}`,
              `  schedule lag p99 added, median of ${rounds} rounds`,
              lagGw.median,
              `${spread(lagGw)}; pass-through ${round(over(roundLag, 'passthrough', 'direct').median, 2)} / translator ${round(over(roundLag, 'translator', 'direct').median, 2)} ms`,
            ),
          );
        }
        metrics.push({
          id: `inter_event_main_cpu_us_per_delta_c${concurrency}`,
          label: `  main-thread CPU per paced delta (${streams})`,
          value: round(cpuPerDelta.gateway, 1),
          unit: 'µs',
          note:
            `pass-through ${us(cpuPerDelta, 'passthrough')} / translator ${us(cpuPerDelta, 'translator')} µs` +
            (concurrency > 1
              ? `; one decode step of ${concurrency}: gateway ${stepNote('gateway')} / translator ${stepNote('translator')} / pass-through ${stepNote('passthrough')} ms`
              : ''),
        });
        metrics.push(
          {
            id: `inter_event_main_kernel_us_per_delta_c${concurrency}`,
            label: '    of which in the kernel (system calls, network stack)',
            value: round(kernelPerDelta.gateway, 1),
            unit: 'µs',
            note: `pass-through ${us(kernelPerDelta, 'passthrough')} / translator ${us(kernelPerDelta, 'translator')} µs`,
          },
          {
            id: `inter_event_machine_cpu_us_per_delta_c${concurrency}`,
            label: `  whole machine per paced delta: load generator, simulator, server (${streams})`,
            value: round(machinePerDelta.gateway, 1),
            unit: 'µs',
            note: `direct ${us(machinePerDelta, 'direct')} / pass-through ${us(machinePerDelta, 'passthrough')} / translator ${us(machinePerDelta, 'translator')} µs; cores busy at ${1000 / PACING.tokenMs} deltas/s per stream: gateway ${busy('gateway')} / pass-through ${busy('passthrough')}`,
          },
        );
        if (concurrency > 1)
          // A decode step's deltas are handled one after another on the main thread, so a server's gap
          // p99 over the pass-through's follows its extra CPU per step (docs/benchmark.md, 2026-12-04
          // 20:32): the 1 ms target allows 1 ms of it, about 3.9 µs per delta at 256 streams.
          metrics.push(
            msMetric(
              `inter_event_step_over_floor_ms_c${concurrency}`,
              `  one decode step's main-thread CPU, gateway − pass-through (what the gap follows)`,
              step('gateway') - step('passthrough'),
              `translator − pass-through ${round(step('translator') - step('passthrough'), 2)} ms; per delta: gateway ${round(cpuPerDelta.gateway - cpuPerDelta.passthrough, 1)} / translator ${round(cpuPerDelta.translator - cpuPerDelta.passthrough, 1)} µs over the pass-through`,
            ),
          );
        details[`c${concurrency}`] = {
          gap: gs,
          lag: ls,
          roundGap,
          roundLag,
          roundSetUp,
          roundAfter,
          cpuMicrosPerDelta: cpuPerDelta,
          kernelMicrosPerDelta: kernelPerDelta,
          machineMicrosPerDelta: machinePerDelta,
        };
      }
      if (!ctx.quick) {
        ctx.log(`inter-event: ${BUNCHED_STREAMS} streams arriving together × ${BUNCHED_ROUNDS} round(s) per path`);
        const bunched = await bunchedSetUp(paths, pids, ctx.simulator.pid, failures);
        metrics.push(...bunched.metrics);
        details.bunched = bunched.perRound;
        details.bunchedSetUpCpu = bunched.setUpCpu;
        details.bunchedWaits = bunched.waits;
      }
      return { metrics, failures: failures.slice(0, 20), details };
    } finally {
      await gw.process.stop();
      await pt.process.stop();
      await tr.process.stop();
    }
  },
};

/** Streams and rounds per path of the bunched-arrival burst. */
const BUNCHED_STREAMS = 256;
const BUNCHED_ROUNDS = 3;
/**
 * The CPU of setting the burst's requests up is read this long after they were sent: with the
 * opening burst's first token 1 s away, every set-up is done by then and no delta has come. A
 * second window as long follows, which should find the server idle (its CPU is in the row's note).
 */
const SET_UP_WINDOW_MS = 450;

/**
 * How long the simulator's and the server's main threads waited for a core over the first
 * WAIT_WINDOW_MS of each measured bunched burst (their run-queue wait): two cores carry the load
 * generator, the simulator and the server, so a server that needs more CPU also delays the
 * simulator's deltas, which then reach every path's streams late.
 */
const WAIT_WINDOW_MS = 400;

/** Run-queue waits of one bunched round, ms: the simulator's main thread, the server's (none direct). */
interface Waits {
  simulator: number;
  server: number;
}

/** Set-up CPU per request of one round, µs: main thread, V8's helper threads, and after the window. */
interface SetUpCpu {
  main: number;
  helpers: number;
  after: number;
}

/**
 * The burst again, from client connections left open by the opening burst: its requests reach each
 * server in one or two turns of its event loop (a client with a warm keep-alive pool), which then
 * starts all their streams back to back while the first streams' next deltas wait. Per round and
 * path, the p99 of the gaps ending at deltas 1…10; the row is the paired median over the rounds.
 * Before it, a second opening burst measures what setting up those requests costs each server:
 * its CPU over SET_UP_WINDOW_MS from the moment they are sent (`/proc/<pid>/task/<tid>/schedstat`),
 * split into the main thread and the rest (V8's garbage-collector and compiler threads). During
 * the measured burst, the simulator's and the server's run-queue waits (Waits).
 */
async function bunchedSetUp(
  paths: Record<ComparedPath, Path>,
  pids: Record<ProxyPath, number>,
  simulatorPid: number,
  failures: string[],
): Promise<{
  metrics: Metric[];
  perRound: Record<ComparedPath, number[]>;
  setUpCpu: Record<ProxyPath, SetUpCpu[]>;
  waits: Record<ComparedPath, Waits[]>;
}> {
  const perRound = perPath((): number[] => []);
  const setUpCpu = perPath((): SetUpCpu[] => [], PROXY_PATHS);
  const waits = perPath((): Waits[] => []);
  for (let r = 0; r < BUNCHED_ROUNDS; r++) {
    for (const name of COMPARED_PATHS.map((_, i) => COMPARED_PATHS[(i + r) % COMPARED_PATHS.length])) {
      await burst(paths[name], OPENING, BUNCHED_STREAMS);
      await sleep(OPENING_QUIET_MS);
      if (name !== 'direct') {
        setUpCpu[name].push(await setUpCpuOf(paths[name], pids[name], name, failures));
        await sleep(OPENING_QUIET_MS);
      }
      const serverPid = serverPidOf(pids, name);
      const before = waitedMicros(simulatorPid, serverPid);
      const running = burst(paths[name], PACING, BUNCHED_STREAMS);
      // Marked handled now: a burst that fails during the sleep rejects at the await below.
      running.catch(() => undefined);
      await sleep(WAIT_WINDOW_MS);
      const after = waitedMicros(simulatorPid, serverPid);
      waits[name].push({
        simulator: (after.simulator - before.simulator) / 1000,
        server: (after.server - before.server) / 1000,
      });
      const streams = await running;
      for (const s of streams) for (const p of s.problems) failures.push(`${name} bunched: ${p}`);
      perRound[name].push(summarize(gapsBySetUp(streams, SET_UP_DELTAS).setUp).p99);
    }
  }
  const gw = pairedDifferences(perRound.passthrough, perRound.gateway);
  const tr = pairedDifferences(perRound.passthrough, perRound.translator);
  const median = (name: ComparedPath): number => summarize(perRound[name]).p50;
  /** Median over the rounds of one part of a server's set-up CPU, µs with one decimal. */
  const cpu = (name: ProxyPath, part: keyof SetUpCpu): number =>
    round(summarize(setUpCpu[name].map((c) => c[part])).p50, 1);
  /** Median over the rounds of one run-queue wait, ms with one decimal. */
  const waited = (name: ComparedPath, part: keyof Waits): number =>
    round(summarize(waits[name].map((w) => w[part])).p50, 1);
  return {
    metrics: [
      msMetric(
        `inter_event_bunched_setup_over_floor_paired_ms_c${BUNCHED_STREAMS}`,
        `  gaps ending at deltas 1–${SET_UP_DELTAS}, ${BUNCHED_STREAMS} requests arriving together, gateway − pass-through, median of ${BUNCHED_ROUNDS} rounds`,
        gw.median,
        `quartiles ${round(gw.q1, 2)} – ${round(gw.q3, 2)} ms; translator − pass-through ${round(tr.median, 2)} ms; p99 pass-through ${round(median('passthrough'), 1)} / translator ${round(median('translator'), 1)} / gateway ${round(median('gateway'), 1)} ms`,
      ),
      {
        id: `bunched_setup_main_cpu_us_per_request_c${BUNCHED_STREAMS}`,
        label: `    set-up CPU per request of ${BUNCHED_STREAMS} arriving together: main thread`,
        value: cpu('gateway', 'main'),
        unit: 'µs',
        note: `translator ${cpu('translator', 'main')} / pass-through ${cpu('passthrough', 'main')} µs, median of ${BUNCHED_ROUNDS} rounds; all threads in the ${SET_UP_WINDOW_MS} ms after the window: gateway ${cpu('gateway', 'after')} µs per request`,
      },
      {
        id: `bunched_setup_helper_cpu_us_per_request_c${BUNCHED_STREAMS}`,
        label: "      same, V8's helper threads (garbage collector, compiler)",
        value: cpu('gateway', 'helpers'),
        unit: 'µs',
        note: `translator ${cpu('translator', 'helpers')} / pass-through ${cpu('passthrough', 'helpers')} µs`,
      },
      {
        id: `bunched_simulator_waited_ms_c${BUNCHED_STREAMS}`,
        label: `    the simulator's main thread waiting for a core, first ${WAIT_WINDOW_MS} ms of those bursts`,
        value: waited('gateway', 'simulator'),
        unit: 'ms',
        note: `translator ${waited('translator', 'simulator')} / pass-through ${waited('passthrough', 'simulator')} / direct ${waited('direct', 'simulator')} ms, median of ${BUNCHED_ROUNDS} rounds`,
      },
      {
        id: `bunched_server_waited_ms_c${BUNCHED_STREAMS}`,
        label: "      same, the server's main thread",
        value: waited('gateway', 'server'),
        unit: 'ms',
        note: `translator ${waited('translator', 'server')} / pass-through ${waited('passthrough', 'server')} ms`,
      },
    ],
    perRound,
    setUpCpu,
    waits,
  };
}

/**
 * A second opening burst to one server, and its CPU per request: over SET_UP_WINDOW_MS from the
 * moment the requests are sent (their set-up), and over as long again (should be idle).
 */
async function setUpCpuOf(path: Path, pid: number, name: ProxyPath, failures: string[]): Promise<SetUpCpu> {
  const start = runtimeMicrosOf(pid);
  const held = burst(path, OPENING, BUNCHED_STREAMS);
  // Marked handled now: a burst that fails during the sleeps rejects at the await below.
  held.catch(() => undefined);
  await sleep(SET_UP_WINDOW_MS);
  const setUp = runtimeMicrosOf(pid);
  await sleep(SET_UP_WINDOW_MS);
  const idle = runtimeMicrosOf(pid);
  for (const s of await held) for (const p of s.problems) failures.push(`${name} set-up: ${p}`);
  return {
    main: (setUp.main - start.main) / BUNCHED_STREAMS,
    helpers: (setUp.all - setUp.main - (start.all - start.main)) / BUNCHED_STREAMS,
    after: (idle.all - setUp.all) / BUNCHED_STREAMS,
  };
}

/** The server process of a path; the direct path has none. */
function serverPidOf(pids: Record<ProxyPath, number>, name: ComparedPath): number | undefined {
  return name === 'direct' ? undefined : pids[name];
}

/** Run-queue wait so far of the simulator's and the server's main threads, µs (the direct path has no server). */
function waitedMicros(simulatorPid: number, serverPid: number | undefined): Waits {
  return {
    simulator: mainThreadWaitedMicrosOf(simulatorPid),
    server: serverPid === undefined ? 0 : mainThreadWaitedMicrosOf(serverPid),
  };
}

/** CPU so far, µs: the server's main thread (none for the direct path), and the machine's part in the run. */
function machineCpu(simulatorPid: number, serverPid: number | undefined): { main: CpuSplit; total: number } {
  const own = process.cpuUsage();
  const main = serverPid === undefined ? { user: 0, system: 0 } : mainThreadCpuSplitOf(serverPid);
  const server = serverPid === undefined ? 0 : cpuMicrosOf(serverPid);
  return { main, total: own.user + own.system + cpuMicrosOf(simulatorPid) + server };
}
