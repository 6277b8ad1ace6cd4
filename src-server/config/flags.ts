/**
 * Every command-line flag of the gateway, defined once: parsing, `--help`, defaults and
 * docs/flags.md all come from this table. Names follow vLLM's style (`--responses-…`) and are
 * relied on by other tooling: never rename one.
 */
import { parseArgs } from 'node:util';

export type FlagType = 'string' | 'number' | 'boolean' | 'string[]';

export interface FlagSpec<K extends string = string> {
  /** Key in GatewayConfig. */
  key: K;
  /** Flag name without the leading dashes. */
  flag: string;
  type: FlagType;
  default: string | number | boolean | string[] | undefined;
  /** Allowed values, for enum-like string flags. */
  choices?: readonly string[];
  description: string;
  /** Section in --help and docs. */
  group: 'Server' | 'Backend' | 'Protocol' | 'Limits' | 'Storage' | 'Sessions' | 'Security' | 'Observability' | 'Simulator';
}

export const FLAGS = [
  // Server
  { key: 'host', flag: 'host', type: 'string', default: '127.0.0.1', group: 'Server', description: 'Address to listen on. Without --api-key the gateway refuses non-loopback hosts unless this flag is given explicitly (a warning is printed).' },
  { key: 'port', flag: 'port', type: 'number', default: 8080, group: 'Server', description: 'Port to listen on (0 picks a free port).' },
  // Backend
  { key: 'backend', flag: 'backend', type: 'string', default: 'simulator', group: 'Backend', description: "'simulator' (built-in vLLM simulator, started in-process) or the base URL of a vLLM / OpenAI-compatible Chat Completions server, e.g. http://127.0.0.1:8000 (with or without /v1)." },
  { key: 'backendKind', flag: 'backend-kind', type: 'string', default: 'vllm', choices: ['vllm', 'openai-chat'], group: 'Backend', description: "Adapter for a URL backend: 'vllm' sends vLLM extensions (cache_salt, priority, reasoning params); 'openai-chat' sends only standard Chat Completions parameters." },
  { key: 'backendApiKey', flag: 'backend-api-key', type: 'string', default: undefined, group: 'Backend', description: 'Bearer token sent to the backend.' },
  { key: 'backendTimeoutSeconds', flag: 'backend-timeout', type: 'number', default: 60, group: 'Backend', description: 'Seconds of silence from the backend (before the first byte or between chunks) after which the response fails with backend_timeout.' },
  // Protocol
  { key: 'dialect', flag: 'responses-dialect', type: 'string', default: 'openai', choices: ['openai', 'open-responses'], group: 'Protocol', description: "Default event dialect; per request: header 'X-Responses-Dialect'." },
  { key: 'compat', flag: 'responses-compat', type: 'string', default: 'strict', choices: ['strict', 'lenient'], group: 'Protocol', description: "'strict' rejects unknown request fields with a 400 naming the field; 'lenient' ignores them and lists them in the 'x-responses-ignored-fields' response header." },
  { key: 'streamDoneSentinel', flag: 'responses-stream-done-sentinel', type: 'string', default: 'auto', choices: ['auto', 'on', 'off'], group: 'Protocol', description: "Terminal 'data: [DONE]' line: 'auto' follows the dialect (open-responses: on, openai: off)." },
  { key: 'validateStream', flag: 'responses-validate-stream', type: 'string', default: 'log', choices: ['off', 'log', 'strict'], group: 'Protocol', description: "Check every outgoing event with the stream validator: 'log' logs and counts violations, 'strict' also fails the response (tests use strict)." },
  // Limits
  { key: 'maxRequestBytes', flag: 'max-request-bytes', type: 'number', default: 16 * 1024 * 1024, group: 'Limits', description: 'Largest accepted request body; larger bodies get a 413.' },
  { key: 'sseEventMaxBytes', flag: 'responses-sse-event-max-bytes', type: 'number', default: 1024 * 1024, group: 'Limits', description: 'Largest SSE event the gateway writes; longer deltas are split into several delta events.' },
  { key: 'streamBufferMaxBytes', flag: 'responses-stream-buffer-max-bytes', type: 'number', default: 16 * 1024, group: 'Limits', description: 'Socket write coalescing: events produced in the same tick are written together up to this many bytes.' },
  { key: 'pingIntervalSeconds', flag: 'responses-ping-interval-seconds', type: 'number', default: 15, group: 'Protocol', description: 'Seconds of stream silence after which a keep-alive is written (SSE comment).' },
  // Observability
  { key: 'logLevel', flag: 'log-level', type: 'string', default: 'info', choices: ['debug', 'info', 'warn', 'error', 'silent'], group: 'Observability', description: 'Log verbosity (JSON lines on stderr).' },
  // Simulator
  { key: 'simulatorSeed', flag: 'simulator-seed', type: 'number', default: 1, group: 'Simulator', description: 'Seed of the built-in simulator (same seed and request, same output).' },
] as const satisfies readonly FlagSpec[];

type FlagValue<F> = F extends { type: 'number' }
  ? number
  : F extends { type: 'boolean' }
    ? boolean
    : F extends { type: 'string[]' }
      ? string[]
      : F extends { choices: readonly (infer C)[] }
        ? C
        : F extends { default: undefined }
          ? string | undefined
          : string;

export type GatewayConfig = {
  [F in (typeof FLAGS)[number] as F['key']]: FlagValue<F>;
};

export function defaultConfig(): GatewayConfig {
  const out: Record<string, unknown> = {};
  for (const f of FLAGS as readonly FlagSpec[]) out[f.key] = Array.isArray(f.default) ? [...f.default] : f.default;
  return out as GatewayConfig;
}

export class FlagError extends Error {}

/** Parses argv into a config. Throws FlagError with a user-facing message on bad input. */
export function parseFlags(argv: string[]): { config: GatewayConfig; help: boolean; explicit: Set<string> } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' } };
  for (const f of FLAGS as readonly FlagSpec[]) {
    options[f.flag] = { type: f.type === 'boolean' ? 'boolean' : 'string', multiple: f.type === 'string[]' };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: false, strict: true });
  } catch (e) {
    throw new FlagError((e as Error).message);
  }
  const config = defaultConfig() as Record<string, unknown>;
  const explicit = new Set<string>();
  for (const f of FLAGS as readonly FlagSpec[]) {
    const raw = (parsed.values as Record<string, unknown>)[f.flag];
    if (raw === undefined) continue;
    explicit.add(f.key);
    if (f.type === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0) throw new FlagError(`--${f.flag} expects a non-negative number, got '${String(raw)}'`);
      config[f.key] = n;
    } else if (f.type === 'string' && f.choices && !f.choices.includes(raw as string)) {
      throw new FlagError(`--${f.flag} must be one of ${f.choices.join(', ')}; got '${String(raw)}'`);
    } else {
      config[f.key] = raw;
    }
  }
  return { config: config as GatewayConfig, help: parsed.values.help === true, explicit };
}

/** `--help` text, grouped. */
export function helpText(command: string): string {
  const lines = [`Usage: ${command} [flags]`, ''];
  const groups = new Map<string, FlagSpec[]>();
  for (const f of FLAGS as readonly FlagSpec[]) groups.set(f.group, [...(groups.get(f.group) ?? []), f]);
  for (const [group, flags] of groups) {
    lines.push(`${group}:`);
    for (const f of flags) {
      const value = f.type === 'boolean' ? '' : f.choices ? ` <${f.choices.join('|')}>` : f.type === 'number' ? ' <n>' : ' <value>';
      const def = f.default === undefined || (Array.isArray(f.default) && f.default.length === 0) ? '' : ` (default: ${String(f.default)})`;
      lines.push(`  --${f.flag}${value}${def}`);
      lines.push(`      ${f.description}`);
    }
    lines.push('');
  }
  lines.push('  --help\n      Show this help.');
  return lines.join('\n');
}
