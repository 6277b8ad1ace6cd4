/**
 * Recording (issue 6): what `--record on` costs on the streaming path, how fast a long recording
 * replays at instant speed, and how many bytes an event takes on disk.
 *
 * Overhead: two gateways in front of the same simulator, recording off and on (file-backed store
 * in a temp dir), loaded with unpaced streams in alternating windows (off, on, off, on …) so drift
 * hits both alike; the ratio of their content-delta rates is the cost. Replay: a synthetic
 * 100,000-event recording served by the replay server at instant speed, read whole by a client.
 * Bytes per event: the recording gateway's database (checkpointed) divided by the events it holds.
 *
 * Paced: one burst per round of 64 streams whose deltas come 20 ms apart, as a model streams them,
 * through each gateway; recording's CPU per delta there (on − off) is where group commit counts.
 *
 * Where the cost goes: both gateways' CPU (all threads, and the main thread alone) over their
 * windows, per delta; and the floor of the embedded store, the recordings writer writing the run's
 * own responses again, 8 per transaction, with nothing else running. Saturated, the machine's
 * cores are all busy, so the floor's CPU per delta alone bounds the on ÷ off ratio (the ceiling
 * row).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Database } from 'better-sqlite3';
import { defaultConfig } from '../../src-server/config/flags.js';
import { DATABASE_FILE, openStore } from '../../src-server/store/index.js';
import type { RecordedRun, RunEvent } from '../../src-server/shared/recording-format/format.js';
import { startReplayServer } from '../../src-server/recording/replay-server.js';
import { eventOp, patchRow, startRowOf } from '../../src-server/store/recordings-store.js';
import { RecordingsWriter, type WriteOp } from '../../src-server/store/recordings-writer.js';
import { burst, closedLoop, type ClosedLoopResult, type Pacing, type Path } from '../lib/load.js';
import { cpuWhile, type ServerProcess } from '../lib/processes.js';
import { round } from '../lib/stats.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/types.js';
import { recordedRun } from '../../tests/support/recorded-run.js';
import { PACING as PACED } from './inter-event.js';

const PACING: Pacing = { deltas: 64, ttftMs: 0, tokenMs: 0 };
const CONCURRENCY = 16;
/** Paced streams per burst (the inter-event scenario's pacing: 64 deltas 20 ms apart), as a model streams. */
const PACED_STREAMS = 64;
const REPLAY_EVENTS = 100_000;
/** The gateway's default recording quota (`--recordings-max-bytes`): the floor writes under it. */
const RECORDINGS_MAX_BYTES = defaultConfig().recordingsMaxBytes;
/**
 * Responses per transaction in the floor: about what the writer thread commits at once under this
 * scenario's load (a tick's batch, or the backlog that queued during the last commit: 400–600
 * events, measured 2026-12-03), written one response after the other.
 */
const RESPONSES_PER_TRANSACTION = 8;

function syntheticRun(events: number): RecordedRun {
  const list: RunEvent[] = [];
  for (let seq = 0; seq < events; seq++) {
    const payload = {
      type: 'response.output_text.delta',
      sequence_number: seq,
      item_id: 'msg_1',
      output_index: 0,
      content_index: 0,
      delta: ' word',
      logprobs: [],
    };
    list.push({
      seq,
      offsetMs: seq * 0.05,
      type: payload.type,
      data: `event: ${payload.type}\ndata: ${JSON.stringify(payload)}\n\n`,
    });
  }
  return recordedRun(list, {
    id: 'rec_bench',
    durationMs: events * 0.05,
    request: {
      method: 'POST',
      path: '/v1/responses',
      headers: {},
      body: { model: 'sim-chat', input: 'long', stream: true },
    },
  });
}

async function replayInstantMs(): Promise<{ ms: number; bytes: number; ok: boolean }> {
  const run = syntheticRun(REPLAY_EVENTS);
  const expected = run.events.reduce((n, e) => n + Buffer.byteLength(e.data), 0);
  const server = await startReplayServer({ file: { sessionId: null, exportedAt: '', runs: [run] }, speed: 'instant' });
  try {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(run.request.body),
    });
    const body = await res.arrayBuffer();
    return { ms: performance.now() - t0, bytes: body.byteLength, ok: body.byteLength === expected };
  } finally {
    await server.close();
  }
}

/** CPU of a gateway process (all threads, and its main thread alone) over the loops run through it. */
interface Cpu {
  process: number;
  main: number;
  deltas: number;
}

async function measuredLoop(
  gw: { process: ServerProcess; path: Path },
  windowMs: number,
  cpu: Cpu,
): Promise<ClosedLoopResult> {
  const {
    result: loop,
    micros,
    mainMicros,
  } = await cpuWhile(gw.process.pid, () => closedLoop(gw.path, PACING, CONCURRENCY, windowMs));
  cpu.process += micros;
  cpu.main += mainMicros;
  cpu.deltas += loop.deltasReceived;
  return loop;
}

/** One recorded response's events as the recording gateway stored them. */
type StoredRun = { type: string; data: string | Uint8Array }[];

/**
 * Up to `count` finished recordings of the recording gateway's store, in the order they were
 * made: the floor below writes these very events again.
 */
function storedRuns(db: Database, count: number): StoredRun[] {
  const rows = db
    .prepare<[number], { key: number; type: string; data: string | Uint8Array }>(
      `SELECT e.recording_key AS key, e.type, e.data FROM recording_event_rows e
        WHERE e.recording_key IN (SELECT key FROM recordings WHERE status = 'completed' ORDER BY key LIMIT ?)
        ORDER BY e.recording_key, e.seq`,
    )
    .all(count);
  const runs = new Map<number, StoredRun>();
  for (const row of rows) {
    let run = runs.get(row.key);
    if (!run) runs.set(row.key, (run = []));
    run.push({ type: row.type, data: row.data });
  }
  return [...runs.values()];
}

/** One burst of paced streams through a gateway; its CPU (all threads, main thread) and deltas added to `cpu`. */
async function pacedBurst(gw: { process: ServerProcess; path: Path }, cpu: Cpu): Promise<string[]> {
  const {
    result: streams,
    micros,
    mainMicros,
  } = await cpuWhile(gw.process.pid, () => burst(gw.path, PACED, PACED_STREAMS));
  cpu.process += micros;
  cpu.main += mainMicros;
  cpu.deltas += streams.reduce((n, s) => n + s.deltaAt.length, 0);
  return streams.flatMap((s) => s.problems);
}

/**
 * The floor of persisting a recording in the embedded store: the writer the recordings thread runs
 * (store/recordings-writer.ts), called directly on this thread with nothing else to do, under the
 * gateway's default quota, writing again the events the recording gateway stored (their real
 * sizes), `RESPONSES_PER_TRANSACTION` responses per transaction (start rows and events, then
 * finishes). CPU microseconds per event, the writes alone (the batches are built before the clock
 * starts).
 */
function sqliteAppendMicrosPerEvent(runs: readonly StoredRun[]): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-bench-sqlite-'));
  const store = openStore({ dataDir: dir, sweepIntervalMs: 0 });
  try {
    const writer = new RecordingsWriter(store.db, RECORDINGS_MAX_BYTES);
    // The rows the gateway's store builds (recordings-store.ts), so the floor writes what it writes.
    const request = { method: 'POST', path: '/v1/responses', headers: {}, body: {} };
    const batches = runs.map((run, r): [WriteOp[], WriteOp[]] => {
      const id = `rec_floor_${r}`;
      const start: WriteOp = {
        op: 'start',
        row: startRowOf({ id, sessionId: 'ses_floor', request, model: 'sim-chat' }, Date.now()),
      };
      const events = run.map(({ type, data }, seq) => eventOp(id, { seq, offsetMs: seq * 0.01, type, data }));
      const finish: WriteOp = { op: 'finish', row: patchRow(id, { httpStatus: 200 }, 'completed', 1) };
      return [[start, ...events], [finish]];
    });
    let events = 0;
    const t0 = process.cpuUsage();
    for (let i = 0; i < batches.length; i += RESPONSES_PER_TRANSACTION) {
      const group = batches.slice(i, i + RESPONSES_PER_TRANSACTION);
      const report = writer.apply(
        group.flatMap(([appends]) => appends),
        false,
      );
      writer.apply(
        group.flatMap(([, finish]) => finish),
        false,
      );
      if (report.truncated.length + report.errors.length > 0)
        throw new Error(`the floor's writer dropped events: ${JSON.stringify(report)}`);
      for (const [appends] of group) events += appends.length - 1;
    }
    const used = process.cpuUsage(t0);
    return (used.user + used.system) / Math.max(1, events);
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const recordingOverhead: Scenario = {
  id: 'recording-overhead',
  title: 'Recording: streaming overhead, instant replay, bytes per event',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const windowMs = ctx.quick ? 1000 : 3000;
    const rounds = ctx.quick ? 2 : 4;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-bench-rec-'));
    const failures: string[] = [];
    const off = await ctx.startGateway();
    const on = await ctx.startGateway({ args: ['--record', 'on', '--data-dir', dataDir] });
    let offRate = 0;
    let onRate = 0;
    const offCpu: Cpu = { process: 0, main: 0, deltas: 0 };
    const onCpu: Cpu = { process: 0, main: 0, deltas: 0 };
    const offPaced: Cpu = { process: 0, main: 0, deltas: 0 };
    const onPaced: Cpu = { process: 0, main: 0, deltas: 0 };
    let onDeltas = 0;
    try {
      await closedLoop(off.path, PACING, 8, 300);
      onDeltas += (await closedLoop(on.path, PACING, 8, 300)).deltasReceived;
      for (let r = 0; r < rounds; r++) {
        ctx.log(
          `recording-overhead: round ${r + 1}/${rounds}, ${CONCURRENCY} workers × ${windowMs} ms each, off then on, then a burst of ${PACED_STREAMS} paced streams each`,
        );
        const a = await measuredLoop(off, windowMs, offCpu);
        const b = await measuredLoop(on, windowMs, onCpu);
        onDeltas += b.deltasReceived;
        failures.push(...a.problems, ...b.problems);
        offRate += a.deltasPerSecond;
        onRate += b.deltasPerSecond;
        // Paced streams: each tick carries a few events of many recordings (group commit's case).
        const before = onPaced.deltas;
        const pairs = [[off, offPaced] as const, [on, onPaced] as const];
        for (const [gw, cpu] of r % 2 === 0 ? pairs : pairs.reverse()) failures.push(...(await pacedBurst(gw, cpu)));
        onDeltas += onPaced.deltas - before;
      }
    } finally {
      await off.process.stop();
      await on.process.stop();
    }

    const store = openStore({ dataDir, sweepIntervalMs: 0 });
    let events = 0;
    let diskBytes = 0;
    let runs: StoredRun[] = [];
    try {
      events = (store.db.prepare('SELECT count(*) AS n FROM recording_events').get() as { n: number }).n;
      runs = storedRuns(store.db, ctx.quick ? 500 : 2000);
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      diskBytes = fs.statSync(path.join(dataDir, DATABASE_FILE)).size;
    } finally {
      store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    if (events === 0) failures.push('the recording gateway recorded no events');

    ctx.log('recording-overhead: the floor of appending events to the embedded store');
    const floorPerEvent = sqliteAppendMicrosPerEvent(runs);
    const perDelta = (c: Cpu, part: 'process' | 'main'): number => c[part] / Math.max(1, c.deltas);
    const addedCpu = perDelta(onCpu, 'process') - perDelta(offCpu, 'process');
    const addedMain = perDelta(onCpu, 'main') - perDelta(offCpu, 'main');
    const addedPaced = perDelta(onPaced, 'process') - perDelta(offPaced, 'process');
    const addedPacedMain = perDelta(onPaced, 'main') - perDelta(offPaced, 'main');
    // Saturated, every core of the machine is busy: this much machine time goes into one delta
    // with recording off. Adding only the floor's CPU per delta bounds what on ÷ off can reach.
    const eventsPerDelta = events / Math.max(1, onDeltas);
    const machinePerDelta = (os.cpus().length * 1e6) / Math.max(1, offRate / rounds);
    const ceiling = machinePerDelta / (machinePerDelta + floorPerEvent * eventsPerDelta);

    ctx.log(`recording-overhead: replaying ${REPLAY_EVENTS} events at instant speed`);
    const replay = await replayInstantMs();
    if (!replay.ok) failures.push(`instant replay returned ${replay.bytes} bytes, not the recorded ones`);
    const rate = (v: number): string => `${Math.round(v / rounds)}/s`;
    return {
      metrics: [
        {
          id: 'recording_throughput_ratio',
          label: `Events/s with --record on ÷ off (${CONCURRENCY} streams, unpaced)`,
          value: round(onRate / offRate),
          unit: '×',
          target: { op: '>=', value: 0.95 },
          note: `off ${rate(offRate)} / on ${rate(onRate)}`,
        },
        {
          id: 'recording_cpu_added_us_per_delta',
          label: 'Recording CPU per content delta, gateway on − off (all threads)',
          value: round(addedCpu, 2),
          unit: 'µs',
          note: `main thread +${round(addedMain, 2)} µs, the rest the writer thread and GC helpers`,
        },
        {
          id: 'recording_cpu_added_us_per_paced_delta',
          label: `Recording CPU per paced content delta, on − off (${PACED_STREAMS} streams, ${PACED.tokenMs} ms apart)`,
          value: round(addedPaced, 2),
          unit: 'µs',
          note: `main thread +${round(addedPacedMain, 2)} µs; off ${round(perDelta(offPaced, 'process'), 1)} µs per delta`,
        },
        {
          id: 'recording_sqlite_floor_us_per_event',
          label: '  floor: appending one event to the embedded store',
          value: round(floorPerEvent, 2),
          unit: 'µs',
          note: `RecordingsWriter alone, the run's own ${runs.length} responses again, ${RESPONSES_PER_TRANSACTION} per transaction; ${round(eventsPerDelta, 2)} events per delta`,
        },
        {
          id: 'recording_ratio_ceiling',
          label: '  ceiling of on ÷ off with only that floor added',
          value: round(ceiling),
          unit: '×',
          note: `${round(machinePerDelta, 1)} µs of the ${os.cpus().length} cores per delta with recording off`,
        },
        {
          id: 'replay_100k_instant_ms',
          label: `Replay server: ${REPLAY_EVENTS.toLocaleString('en')} events at instant speed`,
          value: round(replay.ms),
          unit: 'ms',
          target: { op: '<=', value: 1000 },
          note: `${Math.round(replay.bytes / 1024)} KiB`,
        },
        {
          id: 'recording_bytes_per_event',
          label: 'Recording bytes on disk per event',
          value: round(diskBytes / Math.max(1, events), 1),
          unit: 'B',
          note: `${events} events, ${Math.round(diskBytes / 1024)} KiB`,
        },
      ],
      failures: failures.slice(0, 20),
      details: {
        pacing: PACING,
        concurrency: CONCURRENCY,
        windowMs,
        rounds,
        offRate: offRate / rounds,
        onRate: onRate / rounds,
        offCpu,
        onCpu,
        pacedStreams: PACED_STREAMS,
        offPaced,
        onPaced,
        floorPerEvent,
        eventsPerDelta,
        events,
        diskBytes,
        replay,
      },
    };
  },
};
