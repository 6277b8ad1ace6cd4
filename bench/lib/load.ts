/**
 * Load shapes shared by the scenarios: one stream, a burst of N concurrent streams, and a closed
 * loop of N workers for a fixed time. The same code drives the direct and the gateway path; only
 * the request body and the parser differ.
 */
import { performance } from 'node:perf_hooks';
import { streamPost, type StreamRecord, type Target } from './sse-client.js';
import { analyze, type PathKind, type StreamAnalysis } from './streams.js';

export interface Path {
  kind: PathKind;
  target: Target;
  model: string;
  /** Responses path only: send `store: true` (the store is on the hot path); default false. */
  store?: boolean;
}

/** Simulator pacing, sent as `x-simulator-*` headers (the gateway forwards them). */
export interface Pacing {
  deltas: number;
  ttftMs: number;
  tokenMs: number;
  seed?: number;
}

const PROMPT = 'Benchmark: stream a short answer.';

function simulatorHeaders(p: Pacing): Record<string, string> {
  return {
    'x-simulator-deltas': String(p.deltas),
    'x-simulator-ttft-ms': String(p.ttftMs),
    'x-simulator-token-ms': String(p.tokenMs),
    'x-simulator-seed': String(p.seed ?? 1),
  };
}

export function send(path: Path, pacing: Pacing): Promise<StreamRecord> {
  if (path.kind === 'chat') {
    return streamPost(
      path.target,
      '/v1/chat/completions',
      { model: path.model, messages: [{ role: 'user', content: PROMPT }], stream: true },
      simulatorHeaders(pacing),
    );
  }
  return streamPost(
    path.target,
    '/v1/responses',
    { model: path.model, input: PROMPT, stream: true, store: path.store ?? false },
    simulatorHeaders(pacing),
  );
}

export async function one(path: Path, pacing: Pacing): Promise<StreamAnalysis & { reads: number }> {
  const record = await send(path, pacing);
  return { ...analyze(path.kind, record, pacing.deltas), reads: record.reads };
}

/** Starts `concurrency` streams at once and waits for all of them. */
export function burst(
  path: Path,
  pacing: Pacing,
  concurrency: number,
): Promise<(StreamAnalysis & { reads: number })[]> {
  return Promise.all(Array.from({ length: concurrency }, (_, i) => one(path, { ...pacing, seed: i + 1 })));
}

/**
 * Closes the load generator's idle connections to a path's server, as its agent does after 1 s
 * idle (sse-client.ts): the next burst connects afresh, its requests arriving as they are accepted.
 */
export function closeIdleConnections(path: Path): void {
  for (const sockets of Object.values(path.target.agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
}

export interface ClosedLoopResult {
  /** Content deltas that arrived inside the window, per second. */
  deltasPerSecond: number;
  /** Content deltas that arrived inside the window (what deltasPerSecond counts). */
  deltasInWindow: number;
  /** Every content delta of every stream, inside the window or after it. */
  deltasReceived: number;
  streams: number;
  /** Mean socket reads per completed stream. */
  readsPerStream: number;
  problems: string[];
}

/** `concurrency` workers each send a stream, wait for its end, and send the next, for `durationMs`. */
export async function closedLoop(
  path: Path,
  pacing: Pacing,
  concurrency: number,
  durationMs: number,
): Promise<ClosedLoopResult> {
  const start = performance.now();
  const deadline = start + durationMs;
  let deltas = 0;
  let deltasReceived = 0;
  let streams = 0;
  let reads = 0;
  const problems: string[] = [];
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; performance.now() < deadline; i++) {
      const record = await send(path, { ...pacing, seed: w * 100_000 + i + 1 });
      const a = analyze(path.kind, record, pacing.deltas);
      deltasReceived += a.deltaAt.length;
      for (const at of a.deltaAt) if (at <= deadline) deltas++;
      streams++;
      reads += record.reads;
      if (a.problems.length > 0 && problems.length < 20)
        problems.push(...a.problems.map((p) => `${path.target.name}: ${p}`));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return {
    deltasPerSecond: (deltas * 1000) / durationMs,
    deltasInWindow: deltas,
    deltasReceived,
    streams,
    readsPerStream: streams === 0 ? 0 : reads / streams,
    problems,
  };
}
