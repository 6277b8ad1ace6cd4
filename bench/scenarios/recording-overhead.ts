/**
 * Recording (issue 6): what `--record on` costs on the streaming path, how fast a long recording
 * replays at instant speed, and how many bytes an event takes on disk.
 *
 * Overhead: two gateways in front of the same simulator, recording off and on (file-backed store
 * in a temp dir), loaded with unpaced streams in alternating windows (off, on, off, on …) so drift
 * hits both alike; the ratio of their content-delta rates is the cost. Replay: a synthetic
 * 100,000-event recording served by the replay server at instant speed, read whole by a client.
 * Bytes per event: the recording gateway's database (checkpointed) divided by the events it holds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DATABASE_FILE, openStore } from '../../src-server/store/index.js';
import type { RecordedRun, RunEvent } from '../../src-server/recording/format.js';
import { startReplayServer } from '../../src-server/recording/replay-server.js';
import { closedLoop, type Pacing } from '../lib/load.js';
import { round } from '../lib/stats.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/types.js';
import { recordedRun } from '../../tests/support/recorded-run.js';

const PACING: Pacing = { deltas: 64, ttftMs: 0, tokenMs: 0 };
const CONCURRENCY = 16;
const REPLAY_EVENTS = 100_000;

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
    try {
      await closedLoop(off.path, PACING, 8, 300);
      await closedLoop(on.path, PACING, 8, 300);
      for (let r = 0; r < rounds; r++) {
        ctx.log(
          `recording-overhead: round ${r + 1}/${rounds}, ${CONCURRENCY} workers × ${windowMs} ms each, off then on`,
        );
        const a = await closedLoop(off.path, PACING, CONCURRENCY, windowMs);
        const b = await closedLoop(on.path, PACING, CONCURRENCY, windowMs);
        failures.push(...a.problems, ...b.problems);
        offRate += a.deltasPerSecond;
        onRate += b.deltasPerSecond;
      }
    } finally {
      await off.process.stop();
      await on.process.stop();
    }

    const store = openStore({ dataDir, sweepIntervalMs: 0 });
    let events = 0;
    let diskBytes = 0;
    try {
      events = (store.db.prepare('SELECT count(*) AS n FROM recording_events').get() as { n: number }).n;
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      diskBytes = fs.statSync(path.join(dataDir, DATABASE_FILE)).size;
    } finally {
      store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    if (events === 0) failures.push('the recording gateway recorded no events');

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
        events,
        diskBytes,
        replay,
      },
    };
  },
};
