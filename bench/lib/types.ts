/**
 * The contract between `bench/run.ts` and the scenarios in `bench/scenarios/`. A new metric is a
 * new scenario file added to `bench/scenarios/index.ts`; the runner prints and stores whatever
 * metrics it returns.
 */
import type { Path } from './load.js';
import type { ServerProcess } from './processes.js';
import { round } from './stats.js';

export interface Goal {
  /** `<=` for latencies and memory, `>=` for throughput. */
  op: '<=' | '>=';
  value: number;
}

export interface Metric {
  /** Stable key in results JSON, e.g. `first_event_added_p50_ms`. */
  id: string;
  label: string;
  value: number;
  unit: string;
  /** Absent for metrics that are reported without a target. */
  target?: Goal;
  /** Short extra context for the table (e.g. the direct and gateway raw values). */
  note?: string;
}

/** A latency metric in milliseconds (rounded); `atMost` makes it a `<=` target. */
export function msMetric(id: string, label: string, value: number, note: string, atMost?: number): Metric {
  return {
    id,
    label,
    value: round(value),
    unit: 'ms',
    ...(atMost === undefined ? {} : { target: { op: '<=' as const, value: atMost } }),
    note,
  };
}

export interface ScenarioResult {
  metrics: Metric[];
  /**
   * Broken-run findings (lost, duplicated or reordered events, HTTP errors). Any entry makes
   * `npm run bench` exit non-zero; a missed target does not.
   */
  failures: string[];
  /** Raw numbers kept in results/latest.json for later comparison. */
  details?: Record<string, unknown>;
}

/** How a server process is started (bench/lib/processes.ts). */
export interface ProcessOptions {
  /** Extra Node flags for the process (e.g. --cpu-prof, --import bench/lib/phase-probe.mjs). */
  nodeFlags?: string[];
  /** Variables added to its environment. */
  env?: Record<string, string>;
}

export interface GatewayOptions extends ProcessOptions {
  /** Extra gateway flags, e.g. ['--responses-stream-buffer-max-bytes', '0']. */
  args?: string[];
}

export interface BenchContext {
  /** The simulator process, shared by all scenarios; the direct path talks to it. */
  simulator: ServerProcess;
  direct: Path;
  /** Starts a fresh gateway process in front of the simulator; the scenario stops it. */
  startGateway(options?: GatewayOptions): Promise<{ process: ServerProcess; path: Path }>;
  /**
   * Starts a bare pass-through proxy (node:http pipe, nothing parsed) in front of the simulator:
   * the floor any Node proxy pays for the extra hop on this machine. Speaks Chat Completions.
   */
  startPassthrough(options?: ProcessOptions): Promise<{ process: ServerProcess; path: Path }>;
  /**
   * Starts the minimal hand-written Chat → Responses translator (`bench/servers/translator-process.ts`):
   * the floor of protocol translation on this machine, with the gateway's event shapes and none of
   * its features. Speaks Responses.
   */
  startTranslator(options?: ProcessOptions): Promise<{ process: ServerProcess; path: Path }>;
  /** Progress output (stderr), so stdout keeps just the table. */
  log(message: string): void;
  /** Shorter run for a smoke check (`npm run bench -- --quick`). */
  quick: boolean;
  /** Rounds of the inter-event scenario's 256-stream burst (`--paced-rounds`; default 6, 1 quick). */
  pacedRounds?: number;
}

export interface Scenario {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

export function met(m: Metric): boolean | undefined {
  if (!m.target || !Number.isFinite(m.value)) return m.target ? false : undefined;
  return m.target.op === '<=' ? m.value <= m.target.value : m.value >= m.target.value;
}
