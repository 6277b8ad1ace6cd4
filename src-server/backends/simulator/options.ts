/**
 * Per-request latency and fault selection, from `x-simulator-*` headers or, for clients that
 * cannot set headers, from suffixes on the model name:
 *
 *   model      := base-model ( "+" key "=" value )*
 *   key        := "ttft" | "token" | "fault" | "after" | "seed" | "deltas" | "tool"
 *   e.g.          sim-chat+fault=error_chunk+after=3+ttft=50
 *
 * Keys mirror the headers: ttft ↔ x-simulator-ttft-ms, token ↔ x-simulator-token-ms (per delta),
 * fault ↔ x-simulator-fault, after ↔ x-simulator-fault-after (deltas sent before the fault),
 * seed ↔ x-simulator-seed, deltas ↔ x-simulator-deltas (exact number of content deltas),
 * tool ↔ x-simulator-tool (call this tool, by the name the backend sees, whenever the last message
 * is the user's). Its arguments are generated from the tool's schema, or given as a JSON object
 * in the x-simulator-tool-arguments header (header only: JSON does not fit in a model name).
 * A header wins over the same key in the model name; both win over the server defaults.
 */
import type { IncomingHttpHeaders } from 'node:http';

export const FAULTS = [
  /** HTTP 429 with Retry-After and a vLLM error body. */
  'rate_limit',
  /** HTTP 500 with a vLLM error body. */
  'server_error',
  /** A `data:` line carrying an error object mid-stream, then `[DONE]`. */
  'error_chunk',
  /** A `data:` line that is not JSON mid-stream. */
  'malformed_chunk',
  /** The socket is closed mid-stream, without `[DONE]`. */
  'truncate',
  /** Headers and some deltas, then silence until the client goes away. */
  'stall',
  /** The connection is closed before any response. */
  'disconnect',
  /** The request is accepted and never answered (no headers). */
  'hang',
] as const;

export type Fault = (typeof FAULTS)[number];

export interface RequestKnobs {
  ttftMs: number;
  tokenMs: number;
  seed: number;
  fault?: Fault;
  faultAfter: number;
  deltas?: number;
  /** The tool to call (the function name the simulator is offered). */
  tool?: string;
  /** Its arguments, a JSON object text; generated from the schema when absent. */
  toolArguments?: string;
}

export interface KnobDefaults {
  ttftMs: number;
  tokenMs: number;
  seed: number;
}

const SUFFIX_KEYS: Record<string, keyof RequestKnobs | 'fault'> = {
  ttft: 'ttftMs',
  token: 'tokenMs',
  fault: 'fault',
  after: 'faultAfter',
  seed: 'seed',
  deltas: 'deltas',
  tool: 'tool',
};

const HEADER_KEYS: [string, keyof RequestKnobs][] = [
  ['x-simulator-ttft-ms', 'ttftMs'],
  ['x-simulator-token-ms', 'tokenMs'],
  ['x-simulator-fault', 'fault'],
  ['x-simulator-fault-after', 'faultAfter'],
  ['x-simulator-seed', 'seed'],
  ['x-simulator-deltas', 'deltas'],
  ['x-simulator-tool', 'tool'],
  ['x-simulator-tool-arguments', 'toolArguments'],
];

export class KnobError extends Error {}

function assign(knobs: RequestKnobs, key: keyof RequestKnobs, raw: string, origin: string): void {
  if (key === 'tool') {
    if (!/^[a-zA-Z0-9_.:-]{1,256}$/.test(raw))
      throw new KnobError(`${origin}: '${raw.slice(0, 64)}' is not a tool name`);
    knobs.tool = raw;
    return;
  }
  if (key === 'toolArguments') {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new KnobError(`${origin}: expected a JSON object of tool arguments`);
    knobs.toolArguments = JSON.stringify(value);
    return;
  }
  if (key === 'fault') {
    if (!(FAULTS as readonly string[]).includes(raw))
      throw new KnobError(`${origin}: unknown fault '${raw}' (expected one of ${FAULTS.join(', ')})`);
    knobs.fault = raw as Fault;
    return;
  }
  const n = Number(raw);
  if (raw === '' || !Number.isInteger(n) || n < 0)
    throw new KnobError(`${origin}: expected a non-negative integer, got '${raw}'`);
  knobs[key] = n;
}

/** Splits `sim-chat+fault=stall+ttft=5` into the base model and its knob settings. */
export function parseModelName(model: string): { base: string; settings: [keyof RequestKnobs, string][] } {
  const [base, ...rest] = model.split('+');
  const settings: [keyof RequestKnobs, string][] = [];
  for (const item of rest) {
    const eq = item.indexOf('=');
    const key = eq > 0 ? SUFFIX_KEYS[item.slice(0, eq)] : undefined;
    if (!key)
      throw new KnobError(
        `model suffix '+${item}': expected key=value with key one of ${Object.keys(SUFFIX_KEYS).join(', ')}`,
      );
    settings.push([key, item.slice(eq + 1)]);
  }
  return { base, settings };
}

/** Resolves the knobs of one request: defaults < model suffix < headers. */
export function resolveKnobs(
  model: string,
  headers: IncomingHttpHeaders,
  defaults: KnobDefaults,
): { base: string; knobs: RequestKnobs } {
  const knobs: RequestKnobs = {
    ttftMs: defaults.ttftMs,
    tokenMs: defaults.tokenMs,
    seed: defaults.seed,
    faultAfter: 2,
  };
  const { base, settings } = parseModelName(model);
  for (const [key, raw] of settings) assign(knobs, key, raw, `model '${model}'`);
  for (const [header, key] of HEADER_KEYS) {
    const raw = headers[header];
    if (typeof raw === 'string') assign(knobs, key, raw.trim(), header);
  }
  return { base, knobs };
}
