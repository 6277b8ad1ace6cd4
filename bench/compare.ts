/**
 * `npm run bench:compare -- <base>`: the compiled gateway of this tree against the one of another
 * revision, paired. Both builds run side by side in front of one simulator and take turns in
 * short windows (base, candidate, candidate, base, …), so that what drifts over a run — CPU
 * frequency, the VM's neighbours, other load — falls on both alike; each pair gives one ratio,
 * and the median of the ratios is the answer. `npm run bench` compares the gateway with fixed
 * reference servers; this command tells whether a change made the gateway itself cheaper or
 * faster, down to a few percent that two separate runs of `npm run bench` cannot resolve.
 *
 *   npm run bench:compare -- main~1                    this tree against main~1
 *   npm run bench:compare -- HEAD --epochs 10 --rounds 60   more processes and pairs (narrower quartiles)
 *   npm run bench:compare -- main --streams 256 --deltas 64 --token-ms 20 --window-ms 1000
 *                                                      per paced delta: 256 streams of 64 deltas 20 ms apart
 *   npm run bench:compare -- HEAD --candidate-node-flags=--max-semi-space-size=64
 *                                                      the same code, the candidate under a Node flag
 *   npm run bench:compare -- HEAD --candidate-gateway-flags='--responses-validate-stream off'
 *                                                      the same code, the candidate with other gateway
 *                                                      flags (what one feature costs)
 *   npm run bench:compare -- main --paced-rounds 24    also gap and lag p99 of 256 paced streams
 *   npm run bench:compare -- main --record --streams 16 --deltas 64
 *                                                      both builds recording (`--record on`, a store each)
 *
 * Two processes of the same build differ by up to ±20 % for their whole life (what the JIT made of
 * each), which no pairing inside one process pair removes: the run is split into `--epochs`, each
 * with a fresh pair of gateways, and the pairs of all epochs are pooled.
 *
 * Two measurements (totals over all epochs):
 * - CPU per stream: closed loop of `--streams` workers (streams of `--deltas` content deltas,
 *   unpaced unless `--token-ms` paces them) for `--window-ms` per window, the gateway process's
 *   CPU time (/proc) ÷ streams, and its main thread's alone (the event loop, which is what runs
 *   full when many paced streams share a decode step).
 * - First event: single streams, one at a time, the two builds alternating request by request,
 *   after `--first-warmup` unmeasured ones each (a JIT still compiling adds a tenth of a
 *   millisecond); time to the first SSE event (p50 and p90 of each side).
 * - With `--paced-rounds N` (rounded up to a multiple of `--epochs`): N rounds of the inter-event
 *   scenario's burst (`--paced-streams` streams of 64 deltas 20 ms apart, all starting together),
 *   the two builds taking turns; each round gives each side's gap p99 and schedule-lag p99, the
 *   result is the median of the per-round differences, and the main thread's CPU per paced delta
 *   paired as a ratio. This is the latency the per-delta path costs at a decode step, which one
 *   run of `npm run bench` cannot resolve (its rounds differ by more than the targets).
 *
 * The base revision is checked out into a temporary git worktree (with this tree's node_modules)
 * and built there; the worktree is removed at the end. Exits non-zero only when the run broke
 * (a build failed, a stream was lost or malformed, a process died).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { buildGatewayOnce } from './lib/build.js';
import { burst, closedLoop, closeIdleConnections, one, type Pacing, type Path } from './lib/load.js';
import { cpuWhile, startServer, type ServerProcess } from './lib/processes.js';
import { firstModel, makeTarget } from './lib/sse-client.js';
import { pairedDifferences, pairedRatios, percentile, round, summarize, type Paired } from './lib/stats.js';
import { burstTimings } from './lib/streams.js';
import { FIRST_EVENT_WARMUP } from './scenarios/first-event.js';
import { OPENING, PACING as PACED } from './scenarios/inter-event.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const log = (message: string): void => void process.stderr.write(`[bench:compare] ${message}\n`);

/** Checks `ref` out into a temporary worktree and builds its gateway; returns the worktree. */
function buildBase(ref: string): string {
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-base-'));
  const git = (...args: string[]): void => {
    const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  git('worktree', 'add', '--detach', dir, ref);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const build = spawnSync(process.execPath, ['scripts/build-gateway.mjs'], { cwd: dir, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`building ${ref} failed:\n${build.stdout}${build.stderr}`);
  return dir;
}

function removeWorktree(dir: string): void {
  spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: root });
  rmSync(dir, { recursive: true, force: true });
}

interface Side {
  name: 'base' | 'candidate';
  proc: ServerProcess;
  path: Path;
}

/** The pair in round `round`'s order: AB, BA, AB, … so that neither side always goes first. */
function inTurn<T>(pair: readonly T[], round: number): readonly T[] {
  return round % 2 === 0 ? pair : [...pair].reverse();
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      epochs: { type: 'string', default: '6' },
      rounds: { type: 'string', default: '36' },
      'window-ms': { type: 'string', default: '1500' },
      streams: { type: 'string', default: '64' },
      deltas: { type: 'string', default: '1' },
      'token-ms': { type: 'string', default: '0' },
      'first-event': { type: 'string', default: '1000' },
      'first-warmup': { type: 'string', default: String(FIRST_EVENT_WARMUP) },
      'paced-rounds': { type: 'string', default: '0' },
      'paced-streams': { type: 'string', default: '256' },
      'candidate-node-flags': { type: 'string', default: '' },
      'candidate-gateway-flags': { type: 'string', default: '' },
      record: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const ref = positionals[0];
  if (!ref || positionals.length > 1) {
    console.error(
      'usage: npm run bench:compare -- <base revision> [--epochs N] [--rounds N] [--window-ms MS] [--streams N] [--deltas N] [--token-ms MS] [--first-event N] [--first-warmup N] [--paced-rounds N] [--paced-streams N] [--candidate-node-flags FLAGS] [--candidate-gateway-flags FLAGS] [--record]',
    );
    return 2;
  }
  const epochs = Math.max(1, Number(values.epochs));
  const roundsPerEpoch = Math.max(1, Math.round(Number(values.rounds) / epochs));
  const windowMs = Number(values['window-ms']);
  const streams = Number(values.streams);
  const firstPerEpoch = Math.max(1, Math.round(Number(values['first-event']) / epochs));
  const firstWarmup = Math.max(0, Number(values['first-warmup']));
  const pacedPerEpoch = Math.ceil(Math.max(0, Number(values['paced-rounds'])) / epochs);
  const pacedStreams = Math.max(1, Number(values['paced-streams']));
  const pacing: Pacing = { deltas: Number(values.deltas), ttftMs: 0, tokenMs: Number(values['token-ms']) };
  const candidateNodeFlags = values['candidate-node-flags'].split(' ').filter(Boolean);
  const candidateGatewayFlags = values['candidate-gateway-flags'].split(' ').filter(Boolean);

  log('npm run build:gateway (this tree)');
  const failed = buildGatewayOnce();
  if (failed !== null) {
    console.error(`build:gateway failed:\n${failed}`);
    return 1;
  }
  log(`building ${ref} in a temporary worktree`);
  const baseDir = buildBase(ref);
  const running: ServerProcess[] = [];
  const dataDirs: string[] = [];
  const problems: string[] = [];
  try {
    const simulator = await startServer('simulator', 'simulator-process.ts', []);
    running.push(simulator);
    const model = await firstModel(makeTarget('direct', simulator.url));
    const side = async (
      name: Side['name'],
      env: Record<string, string>,
      nodeFlags: string[] = [],
      gatewayFlags: string[] = [],
    ): Promise<Side> => {
      const args = ['--backend', simulator.url, ...gatewayFlags];
      // Recording: every gateway process writes a store of its own (one process owns a store's file).
      if (values.record) {
        const dataDir = mkdtempSync(join(os.tmpdir(), 'rs-compare-rec-'));
        dataDirs.push(dataDir);
        args.push('--record', 'on', '--data-dir', dataDir);
      }
      const proc = await startServer(name, 'gateway-process.ts', args, { env, nodeFlags });
      running.push(proc);
      return { name, proc, path: { kind: 'responses', target: makeTarget(name, proc.url), model } };
    };
    const bySide = (): Record<Side['name'], number[]> => ({ base: [], candidate: [] });
    const cpu = bySide();
    const mainCpu = bySide();
    const first = bySide();
    // Per paced round: each side's gap and lag p99 (ms) and main-thread CPU per delta (µs).
    const gap = bySide();
    const lag = bySide();
    const pacedCpu = bySide();
    const single: Pacing = { deltas: 8, ttftMs: 0, tokenMs: 0 };
    // Two processes of one build differ by up to ±20 % for their whole life (what the JIT made of
    // them): every epoch starts a fresh pair, and the pairs of all epochs are pooled.
    for (let epoch = 0; epoch < epochs; epoch++) {
      log(
        `epoch ${epoch + 1} of ${epochs}: two fresh gateways, warm-up, ${roundsPerEpoch} CPU pairs, ` +
          `${firstWarmup} + ${firstPerEpoch} first events each` +
          (pacedPerEpoch > 0 ? `, ${pacedPerEpoch} paced rounds of ${pacedStreams} streams` : ''),
      );
      const pair = [
        await side('base', { BENCH_GATEWAY_DIST: join(baseDir, 'dist') }),
        await side('candidate', {}, candidateNodeFlags, candidateGatewayFlags),
      ];
      if (epoch % 2 === 1) pair.reverse();
      for (const s of pair) await closedLoop(s.path, pacing, streams, 1500);
      for (let r = 0; r < roundsPerEpoch; r++) {
        for (const s of inTurn(pair, r)) {
          const { result, micros, mainMicros } = await cpuWhile(s.proc.pid, () =>
            closedLoop(s.path, pacing, streams, windowMs),
          );
          cpu[s.name].push(micros / Math.max(1, result.streams));
          mainCpu[s.name].push(mainMicros / Math.max(1, result.streams));
          problems.push(...result.problems);
        }
      }
      for (let i = 0; i < firstWarmup; i++) {
        for (const s of inTurn(pair, i)) problems.push(...(await one(s.path, { ...single, seed: i + 1 })).problems);
      }
      for (let i = 0; i < firstPerEpoch; i++) {
        for (const s of inTurn(pair, i)) {
          const a = await one(s.path, { ...single, seed: i + 1 });
          first[s.name].push(a.firstEventMs);
          problems.push(...a.problems);
        }
      }
      // Unmeasured: a fast burst for the JIT, then one whose streams stay open together, so that
      // each gateway holds as many upstream connections as a measured burst needs (the load
      // generator's own are closed after it, as its agent closes them between rounds).
      if (pacedPerEpoch > 0)
        for (const s of pair) {
          await burst(s.path, { ...PACED, tokenMs: 1 }, pacedStreams);
          await burst(s.path, OPENING, pacedStreams);
          closeIdleConnections(s.path);
        }
      for (let r = 0; r < pacedPerEpoch; r++) {
        for (const s of inTurn(pair, r)) {
          const { result: streams, mainMicros } = await cpuWhile(s.proc.pid, () => burst(s.path, PACED, pacedStreams));
          pacedCpu[s.name].push(mainMicros / (pacedStreams * PACED.deltas));
          for (const a of streams) problems.push(...a.problems);
          const timings = burstTimings(streams, PACED.tokenMs);
          gap[s.name].push(summarize(timings.gaps).p99);
          lag[s.name].push(summarize(timings.lags).p99);
        }
      }
      for (const s of pair) {
        running.splice(running.indexOf(s.proc), 1);
        await s.proc.stop();
      }
      for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    }

    const ratio = pairedRatios(cpu.base, cpu.candidate);
    const mainRatio = pairedRatios(mainCpu.base, mainCpu.candidate);
    const load = `${streams} workers, ${pacing.deltas} delta${pacing.deltas === 1 ? '' : 's'}${pacing.tokenMs > 0 ? ` every ${pacing.tokenMs} ms` : ''}`;
    const ratioCell = (r: Paired): string =>
      `${round(r.median, 3)} (quartiles ${round(r.q1, 3)}–${round(r.q3, 3)}, ${r.pairs} pairs)`;
    // The table says what else the candidate ran with: Node flags, then gateway flags.
    const extra = [...candidateNodeFlags, ...candidateGatewayFlags].join(' ');
    const candidateName = extra ? `this tree, ${extra}` : 'this tree';
    const med = (xs: number[]): number => percentile(xs, 50);
    const rows = [
      ['Measure', ref, candidateName, `${candidateName} ÷ base`],
      [
        `CPU µs per stream (${load}), median`,
        String(Math.round(med(cpu.base))),
        String(Math.round(med(cpu.candidate))),
        ratioCell(ratio),
      ],
      [
        'Same, main thread only',
        String(Math.round(med(mainCpu.base))),
        String(Math.round(med(mainCpu.candidate))),
        ratioCell(mainRatio),
      ],
      ...([50, 90] as const).map((p) => {
        const b = percentile(first.base, p);
        const c = percentile(first.candidate, p);
        return [`First event p${p}, ms`, String(round(b)), String(round(c)), `${round(c - b)} ms`];
      }),
    ];
    if (gap.base.length > 0) {
      const paced = `${pacedStreams} paced streams, ${gap.base.length} rounds`;
      const difference = (p: Paired): string =>
        `${round(p.median, 2)} ms (quartiles ${round(p.q1, 2)} – ${round(p.q3, 2)}, ${p.pairs} rounds)`;
      /** A measure's median on each side, and the paired comparison. */
      const pacedRow = (label: string, v: Record<Side['name'], number[]>, digits: number, paired: string): string[] => [
        label,
        String(round(med(v.base), digits)),
        String(round(med(v.candidate), digits)),
        paired,
      ];
      rows.push(
        pacedRow(`Gap p99 (${paced}), median, ms`, gap, 2, difference(pairedDifferences(gap.base, gap.candidate))),
        pacedRow(
          'Schedule lag p99, same rounds, median, ms',
          lag,
          2,
          difference(pairedDifferences(lag.base, lag.candidate)),
        ),
        pacedRow(
          'Main-thread CPU µs per paced delta, median',
          pacedCpu,
          1,
          ratioCell(pairedRatios(pacedCpu.base, pacedCpu.candidate)),
        ),
      );
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
    console.log(
      [line(rows[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.slice(1).map(line)].join('\n'),
    );
    console.log(
      `\n${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, ${new Date().toISOString()}`,
    );
  } finally {
    for (const proc of running.reverse()) await proc.stop().catch(() => undefined);
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    removeWorktree(baseDir);
  }
  if (problems.length > 0) {
    console.error(`broken streams:\n${problems.slice(0, 20).join('\n')}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
