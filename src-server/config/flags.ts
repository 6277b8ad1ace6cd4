/**
 * Every command-line flag of the gateway, defined once: parsing, `--help`, defaults and
 * docs/flags.md all come from this table. Names follow vLLM's style (`--responses-…`) and are
 * relied on by other tooling: never rename one.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_JSON_DEPTH } from '../shared/protocol/json-depth.js';

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
  group:
    'Server' | 'Backend' | 'Protocol' | 'Limits' | 'Storage' | 'Sessions' | 'Security' | 'Observability' | 'Simulator';
}

export const FLAGS = [
  // Server
  {
    key: 'host',
    flag: 'host',
    type: 'string',
    default: '127.0.0.1',
    group: 'Server',
    description:
      'Address to listen on. Without --api-key the gateway refuses non-loopback hosts unless this flag is given explicitly (a warning is printed).',
  },
  {
    key: 'port',
    flag: 'port',
    type: 'number',
    default: 8080,
    group: 'Server',
    description: 'Port to listen on (0 picks a free port).',
  },
  // Backend
  {
    key: 'backend',
    flag: 'backend',
    type: 'string',
    default: 'simulator',
    group: 'Backend',
    description:
      "'simulator' (built-in vLLM simulator, started in-process) or the base URL of a vLLM / OpenAI-compatible Chat Completions server, e.g. http://127.0.0.1:8000 (with or without /v1).",
  },
  {
    key: 'backendKind',
    flag: 'backend-kind',
    type: 'string',
    default: 'vllm',
    choices: ['vllm', 'openai-chat', 'vllm-responses'],
    group: 'Backend',
    description:
      "Adapter for a URL backend: 'vllm' sends vLLM extensions (cache_salt, priority, reasoning params) to Chat Completions; 'openai-chat' sends only standard Chat Completions parameters; 'vllm-responses' proxies vLLM's native /v1/responses and repairs its event stream (ids, indices, missing events, error shapes).",
  },
  {
    key: 'backendApiKey',
    flag: 'backend-api-key',
    type: 'string',
    default: undefined,
    group: 'Backend',
    description: 'Bearer token sent to the backend.',
  },
  {
    key: 'backendTimeoutSeconds',
    flag: 'backend-timeout',
    type: 'number',
    default: 60,
    group: 'Backend',
    description:
      'Seconds of silence from the backend (before the first byte or between chunks) after which the response fails with backend_timeout.',
  },
  // Protocol
  {
    key: 'dialect',
    flag: 'responses-dialect',
    type: 'string',
    default: 'openai',
    choices: ['openai', 'open-responses'],
    group: 'Protocol',
    description: "Default event dialect; per request: header 'X-Responses-Dialect'.",
  },
  {
    key: 'compat',
    flag: 'responses-compat',
    type: 'string',
    default: 'strict',
    choices: ['strict', 'lenient'],
    group: 'Protocol',
    description:
      "'strict' rejects unknown request fields with a 400 naming the field; 'lenient' ignores them and lists them in the 'x-responses-ignored-fields' response header.",
  },
  {
    key: 'hostedTools',
    flag: 'responses-hosted-tools',
    type: 'string',
    default: 'omit',
    choices: ['omit', 'reject'],
    group: 'Protocol',
    description:
      "Hosted tools the gateway cannot run (web_search*, file_search, code_interpreter, image_generation, computer*, mcp, tool_search, a shell in a container …): 'omit' leaves them out of what the model is offered and names them in the 'x-responses-omitted-tools' response header, a warn log line and the responses_hosted_tools_omitted_total metric; 'reject' answers 400 naming the tool. A tool_choice forcing an omitted tool is a 400 either way.",
  },
  {
    key: 'streamDoneSentinel',
    flag: 'responses-stream-done-sentinel',
    type: 'string',
    default: 'auto',
    choices: ['auto', 'on', 'off'],
    group: 'Protocol',
    description: "Terminal 'data: [DONE]' line: 'auto' follows the dialect (open-responses: on, openai: off).",
  },
  {
    key: 'extensions',
    flag: 'responses-extensions',
    type: 'boolean',
    default: false,
    group: 'Protocol',
    description:
      "Add the extension events (marked (ext) in the docs) to streams by default; per request: header 'X-Responses-Extensions: on|off'.",
  },
  {
    key: 'validateStream',
    flag: 'responses-validate-stream',
    type: 'string',
    default: 'log',
    choices: ['off', 'log', 'strict'],
    group: 'Protocol',
    description:
      "Check every outgoing event with the stream validator: 'log' logs and counts violations, 'strict' also fails the response (tests use strict).",
  },
  // Limits
  {
    key: 'maxRequestBytes',
    flag: 'max-request-bytes',
    type: 'number',
    default: 16 * 1024 * 1024,
    group: 'Limits',
    description: 'Largest accepted request body; larger bodies get a 413.',
  },
  {
    key: 'maxRequestDepth',
    flag: 'max-request-depth',
    type: 'number',
    default: DEFAULT_MAX_JSON_DEPTH,
    group: 'Limits',
    description:
      "Deepest nesting of objects and arrays accepted in a JSON request body (checked before the body is walked, recorded or validated); deeper bodies get a 400 'nesting_too_deep'.",
  },
  {
    key: 'sseEventMaxBytes',
    flag: 'responses-sse-event-max-bytes',
    type: 'number',
    default: 1024 * 1024,
    group: 'Limits',
    description: 'Largest SSE event the gateway writes; longer deltas are split into several delta events.',
  },
  {
    key: 'streamBufferMaxBytes',
    flag: 'responses-stream-buffer-max-bytes',
    type: 'number',
    default: 16 * 1024,
    group: 'Limits',
    description:
      'Socket write coalescing: events produced in the same tick are written together up to this many bytes.',
  },
  {
    key: 'streamHighWaterBytes',
    flag: 'responses-stream-high-water-bytes',
    type: 'number',
    default: 64 * 1024,
    group: 'Limits',
    description:
      "Backpressure (E8): when this many bytes of a stream wait unsent for a slow client, the gateway stops reading the backend's stream (and so pauses the backend's socket) until the client has taken them.",
  },
  {
    key: 'streamMaxBufferedBytes',
    flag: 'responses-stream-max-buffered-bytes',
    type: 'number',
    default: 16 * 1024 * 1024,
    group: 'Limits',
    description:
      "Most bytes one stream may hold unsent for its client (E8); past it the response ends with an 'error' event, code 'stream_buffer_exceeded', and response.failed.",
  },
  {
    key: 'streamMaxBufferedTotalBytes',
    flag: 'responses-stream-max-buffered-total-bytes',
    type: 'number',
    default: 256 * 1024 * 1024,
    group: 'Limits',
    description:
      "Most bytes all streams together may hold unsent for their clients (E8); the stream that goes over it ends with an 'error' event, code 'stream_buffer_exceeded'.",
  },
  {
    key: 'pingIntervalSeconds',
    flag: 'responses-ping-interval-seconds',
    type: 'number',
    default: 15,
    group: 'Protocol',
    description:
      "Seconds of stream silence after which a keep-alive is written: an SSE comment, or a 'response.ping' event when extensions are on (L4).",
  },
  {
    key: 'websocketMaxAgeSeconds',
    flag: 'responses-websocket-max-age-seconds',
    type: 'number',
    default: 3600,
    group: 'Protocol',
    description:
      "Lifetime of a WebSocket connection on GET /v1/responses (the spec's 60 minutes). After it, the response in flight finishes, then every message gets a 'websocket_connection_limit_reached' error frame and the connection closes. 0 disables the limit.",
  },
  {
    key: 'websocketBufferMaxBytes',
    flag: 'responses-websocket-buffer-max-bytes',
    type: 'number',
    default: 1024 * 1024,
    group: 'Limits',
    description:
      'Bytes a WebSocket client may leave unread (ws bufferedAmount) before the gateway stops reading the backend for that response; reading resumes once the client has taken half of it.',
  },
  // Observability
  {
    key: 'logLevel',
    flag: 'log-level',
    type: 'string',
    default: 'info',
    choices: ['debug', 'info', 'warn', 'error', 'silent'],
    group: 'Observability',
    description: 'Log verbosity (JSON lines on stderr).',
  },
  // Storage
  {
    key: 'dataDir',
    flag: 'data-dir',
    type: 'string',
    default: undefined,
    group: 'Storage',
    description:
      'Folder for the response store (responses-studio.sqlite) and the generated reasoning key (reasoning.key). Without it the store is in memory and the reasoning key lives as long as the process: nothing survives a restart. The desktop app passes its user-data folder.',
  },
  {
    key: 'store',
    flag: 'store',
    type: 'string',
    default: undefined,
    group: 'Storage',
    description:
      "Where stored responses live: 'sqlite:PATH' (a folder, like --data-dir), or 'postgres://host:port/db' for several instances sharing one database (docs/deploy.md; give the password in PGPASSWORD rather than on the command line). Default: SQLite in --data-dir, else in memory. Recordings live in the same store.",
  },
  {
    key: 'redis',
    flag: 'redis',
    type: 'string',
    default: undefined,
    group: 'Storage',
    description:
      'Redis URL (redis://host:port) for live coordination between instances: tool outputs posted to any instance, background runs resumed and cancelled from any instance, shared rate-limit buckets (docs/deploy.md). Without it everything live stays in this process.',
  },
  {
    key: 'redisKeyPrefix',
    flag: 'redis-key-prefix',
    type: 'string',
    default: 'responses-studio:',
    group: 'Storage',
    description:
      'Prefix of every Redis key and channel this gateway uses: instances of one deployment share it, other deployments on the same Redis pick another.',
  },
  {
    key: 'storeTimeoutSeconds',
    flag: 'store-timeout',
    type: 'number',
    default: 10,
    group: 'Storage',
    description:
      'Seconds one call to PostgreSQL (--store postgres://…) or Redis (--redis) may wait for its answer. A server that stopped answering (frozen, or a network path that drops packets) then fails the request with 503 store_unavailable or coordination_unavailable instead of holding it.',
  },
  {
    key: 'instanceId',
    flag: 'instance-id',
    type: 'string',
    default: undefined,
    group: 'Storage',
    description:
      'Name of this gateway instance in logs, the x-studio-instance response header, metrics and leases (default: host name and pid). Must be unique among instances sharing a store.',
  },
  {
    key: 'instanceLeaseSeconds',
    flag: 'instance-lease-seconds',
    type: 'number',
    default: 15,
    group: 'Storage',
    description:
      "With --store postgres: how long a running response's lease lasts; the instance renews it every third of that. Responses of an instance that stopped renewing (killed) are marked failed by the others after it runs out.",
  },
  {
    key: 'storeTtlSeconds',
    flag: 'responses-store-ttl-seconds',
    type: 'number',
    default: 30 * 24 * 3600,
    group: 'Storage',
    description:
      'Stored responses expire this many seconds after they finish (0 = never); expired ones answer 404 at once and are deleted by a background sweep.',
  },
  {
    key: 'storeMaxItems',
    flag: 'responses-store-max-items',
    type: 'number',
    default: 0,
    group: 'Storage',
    description:
      'Most stored responses (0 = no limit). At the limit the oldest finished responses are evicted; if only running ones remain the request fails with 429 storage_quota_exceeded.',
  },
  {
    key: 'storeMaxBytes',
    flag: 'responses-store-max-bytes',
    type: 'number',
    default: 512 * 1024 * 1024,
    group: 'Storage',
    description:
      'Most bytes of stored response JSON (0 = no limit); same eviction policy as --responses-store-max-items.',
  },
  {
    key: 'record',
    flag: 'record',
    type: 'string',
    default: 'off',
    choices: ['off', 'on'],
    group: 'Storage',
    description:
      'Record every run (request with secrets redacted, status, headers, every event with its exact bytes and time offset, tool outputs) in the store (--store, else under --data-dir, in memory without it); the desktop app turns it on. See docs/recording.md.',
  },
  {
    key: 'recordingsMaxBytes',
    flag: 'recordings-max-bytes',
    type: 'number',
    default: 1024 * 1024 * 1024,
    group: 'Storage',
    description:
      'Recording quota in bytes (0 = no limit): the oldest finished recordings are deleted to make room; a running recording that alone exceeds it is truncated and flagged.',
  },
  {
    key: 'reasoningEncryptionKeys',
    flag: 'reasoning-encryption-key',
    type: 'string[]',
    default: [],
    group: 'Security',
    description:
      "AES-256 key (64 hex digits or base64 of 32 bytes) for include: ['reasoning.encrypted_content']. Repeatable: the first key seals, every key opens (rotation). Without one a key is generated in --data-dir (or kept in memory for the process lifetime).",
  },
  // Sessions
  {
    key: 'toolTimeoutSeconds',
    flag: 'responses-tool-timeout',
    type: 'number',
    default: 600,
    group: 'Sessions',
    description:
      "Seconds a session-mode response waits for tool outputs before it fails with code 'tool_outputs_timeout' (0 = wait forever).",
  },
  {
    key: 'maxActiveSessions',
    flag: 'responses-max-active-sessions',
    type: 'number',
    default: 1000,
    group: 'Sessions',
    description:
      "Most live session-mode responses. A new one over the limit evicts the session that has waited longest for tool outputs (or, if none waits, the oldest); the victim ends with error + response.failed code 'session_evicted'.",
  },
  {
    key: 'toolOutputsMaxBytes',
    flag: 'responses-tool-outputs-max-bytes',
    type: 'number',
    default: 8 * 1024 * 1024,
    group: 'Sessions',
    description: 'Largest POST /v1/responses/{id}/tool_outputs body; larger ones get a 413.',
  },
  {
    key: 'sessionBufferMaxBytes',
    flag: 'responses-session-buffer-max-bytes',
    type: 'number',
    default: 16 * 1024 * 1024,
    group: 'Sessions',
    description:
      'Most bytes of tool outputs one session holds while it waits for the rest of its calls; a submission over it gets a 413.',
  },
  {
    key: 'sessionsBufferMaxBytes',
    flag: 'responses-sessions-buffer-max-bytes',
    type: 'number',
    default: 256 * 1024 * 1024,
    group: 'Sessions',
    description: 'Most bytes of tool outputs all sessions hold together; a submission over it gets a 413.',
  },
  {
    key: 'backgroundBufferMaxBytes',
    flag: 'responses-background-buffer-max-bytes',
    type: 'number',
    default: 4 * 1024 * 1024,
    group: 'Sessions',
    description:
      'Replay buffer per streaming background response (for GET ?stream=true&starting_after=N). When full the oldest events are dropped; resuming before the oldest kept event is a 400.',
  },
  // Protocol surface (issue 4): summaries, tiers, rate limits, auth, CORS, Azure
  {
    key: 'reasoningSummaryMode',
    flag: 'reasoning-summary-mode',
    type: 'string',
    default: 'extractive',
    choices: ['extractive', 'model'],
    group: 'Protocol',
    description:
      "How reasoning.summary is produced (H3): 'extractive' picks sentences of the reasoning while it streams; 'model' asks the backend for a summary in a second call once the reasoning is complete.",
  },
  {
    key: 'defaultServiceTier',
    flag: 'responses-default-service-tier',
    type: 'string',
    default: 'default',
    choices: ['default', 'flex', 'scale', 'priority'],
    group: 'Protocol',
    description:
      "Tier that 'service_tier: auto' (or no service_tier) resolves to; echoed on the response and mapped to vLLM priority (L8, see docs/rate-limits.md).",
  },
  {
    key: 'allowedServiceTiers',
    flag: 'responses-allowed-service-tiers',
    type: 'string',
    default: 'auto,default,flex,scale,priority',
    group: 'Protocol',
    description:
      "Comma-separated service_tier values clients may send; any other value is a 400 naming it (param 'service_tier').",
  },
  {
    key: 'rateLimitRequestsPerMinute',
    flag: 'rate-limit-requests-per-minute',
    type: 'number',
    default: 0,
    group: 'Limits',
    description:
      'Requests per minute per API key (or per client address without keys); 0 = unlimited. Exhausted: 429 rate_limit_exceeded with Retry-After (H5, M3).',
  },
  {
    key: 'rateLimitTokensPerMinute',
    flag: 'rate-limit-tokens-per-minute',
    type: 'number',
    default: 0,
    group: 'Limits',
    description:
      'Tokens (input + output) per minute per API key or client address; 0 = unlimited. Reserved from an estimate at admission, reconciled with the real usage.',
  },
  {
    key: 'rateLimitConfig',
    flag: 'rate-limit-config',
    type: 'string',
    default: undefined,
    group: 'Limits',
    description:
      'JSON file of per-key overrides: {"keys": {"<key>|<prefix>*|id:<sha256 prefix>|address:<ip>": {"requestsPerMinute": n, "tokensPerMinute": n}}}.',
  },
  {
    key: 'apiKeys',
    flag: 'api-key',
    type: 'string[]',
    default: [],
    group: 'Security',
    description:
      "Accepted API key (Bearer token; on Azure routes also the 'api-key' header). Repeatable. Without any key the gateway is open and listens on loopback unless --host is given.",
  },
  {
    key: 'apiKeysFile',
    flag: 'api-keys-file',
    type: 'string',
    default: undefined,
    group: 'Security',
    description: "File of accepted API keys, one per line ('#' starts a comment); added to --api-key.",
  },
  {
    key: 'adminApiKeys',
    flag: 'admin-api-key',
    type: 'string[]',
    default: [],
    group: 'Security',
    description:
      "API key that is accepted like --api-key and may also read and act on every key's stored responses, sessions, background runs, recordings and sealed reasoning (docs/state.md, tenancy). Repeatable.",
  },
  {
    key: 'corsOrigin',
    flag: 'cors-origin',
    type: 'string',
    default: '',
    group: 'Security',
    description:
      "Browser origins allowed to call the public API (responses, models, capabilities, health, metrics): a comma-separated list (e.g. http://localhost:5173), or '*' for any. Default: none, so a page on another origin can neither read answers nor create, cancel or delete anything. Console and library routes never follow this list (see --console-origin). Allowed origins may read the request-id, OpenAI, rate-limit and Azure headers (M5).",
  },
  {
    key: 'consoleOrigins',
    flag: 'console-origin',
    type: 'string[]',
    default: [],
    group: 'Security',
    description:
      "Origin of a console page (e.g. http://127.0.0.1:5173) that may call the console and library routes (/v1/console/*, /v1/recordings*) and the public API, besides the gateway's own origin. Repeatable. The desktop app passes its console's origin to the gateways it starts for backend profiles.",
  },
  {
    key: 'allowedHosts',
    flag: 'allowed-host',
    type: 'string[]',
    default: [],
    group: 'Security',
    description:
      "Host name (optionally name:port) accepted in the Host header besides the loopback names (127.0.0.1, localhost, [::1]), the --host value and, when --host is a wildcard address, IP literals; any other Host is a 403 (DNS rebinding). Repeatable; '*' accepts every Host (only behind a proxy that checks it).",
  },
  {
    key: 'enableAzureApi',
    flag: 'enable-azure-api',
    type: 'boolean',
    default: false,
    group: 'Server',
    description:
      'Also serve the Azure OpenAI paths (/openai/v1/responses, /openai/responses?api-version=…, /openai/deployments/{deployment}/responses?api-version=…) with api-key auth and the Azure headers (M1, docs/azure.md).',
  },
  {
    key: 'azureRegion',
    flag: 'azure-region',
    type: 'string',
    default: 'local',
    group: 'Server',
    description: "Value of the 'x-ms-region' header on Azure routes.",
  },
  {
    key: 'httpHeadersTimeoutSeconds',
    flag: 'http-headers-timeout',
    type: 'number',
    default: 30,
    group: 'Limits',
    description:
      "Seconds a client has to send a request's headers, from its first byte; then 408 request_timeout and the connection is closed (0 = no limit).",
  },
  {
    key: 'httpRequestTimeoutSeconds',
    flag: 'http-request-timeout',
    type: 'number',
    default: 60,
    group: 'Limits',
    description:
      'Seconds a client has to send a whole request, headers and body, from its first byte; then 408 request_timeout and the connection is closed (0 = no limit). Only the upload counts: a response may stream, or wait for tool outputs, for as long as it needs.',
  },
  {
    key: 'httpMaxConnections',
    flag: 'http-max-connections',
    type: 'number',
    default: 4096,
    group: 'Limits',
    description:
      'Most open client connections (streams included); a connection over it is answered 503 server_overloaded and closed (0 = no limit).',
  },
  // Simulator
  {
    key: 'simulatorSeed',
    flag: 'simulator-seed',
    type: 'number',
    default: 1,
    group: 'Simulator',
    description: 'Seed of the built-in simulator (same seed and request, same output).',
  },
  {
    key: 'simulatorMaxModelLen',
    flag: 'simulator-max-model-len',
    type: 'number',
    default: 32768,
    group: 'Simulator',
    description:
      "Context window (tokens) of the built-in simulator's models: reported as max_model_len by /v1/models and /tokenize, and a longer prompt is refused as vLLM refuses it. A small value shows truncation at work.",
  },
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

/** The settings that have a flag. */
export type FlagConfig = {
  [F in (typeof FLAGS)[number] as F['key']]: FlagValue<F>;
};

/**
 * Settings a host process passes programmatically, never on a command line (where other local
 * users could read them in the process list).
 */
export interface HostSettings {
  /**
   * Per-launch secret of the desktop console: when set, the console and library routes require it
   * in the `X-Studio-Console-Secret` header (docs/headers.md). The desktop app generates one per
   * launch and gives it to every gateway it starts; the window gets it through the preload.
   */
  consoleSecret?: string;
}

export type GatewayConfig = FlagConfig & HostSettings;

export function defaultConfig(): GatewayConfig {
  const out: Record<string, unknown> = {};
  for (const f of FLAGS as readonly FlagSpec[]) out[f.key] = Array.isArray(f.default) ? [...f.default] : f.default;
  return out as unknown as GatewayConfig;
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
  const config = defaultConfig() as unknown as Record<string, unknown>;
  const explicit = new Set<string>();
  for (const f of FLAGS as readonly FlagSpec[]) {
    const raw = (parsed.values as Record<string, unknown>)[f.flag];
    if (raw === undefined) continue;
    explicit.add(f.key);
    if (f.type === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0)
        throw new FlagError(`--${f.flag} expects a non-negative number, got '${String(raw)}'`);
      config[f.key] = n;
    } else if (f.type === 'string' && f.choices && !f.choices.includes(raw as string)) {
      throw new FlagError(`--${f.flag} must be one of ${f.choices.join(', ')}; got '${String(raw)}'`);
    } else {
      config[f.key] = raw;
    }
  }
  return { config: config as unknown as GatewayConfig, help: parsed.values.help === true, explicit };
}

/** `--help` text, grouped. */
export function helpText(command: string): string {
  const lines = [`Usage: ${command} [flags]`, ''];
  const groups = new Map<string, FlagSpec[]>();
  for (const f of FLAGS as readonly FlagSpec[]) groups.set(f.group, [...(groups.get(f.group) ?? []), f]);
  for (const [group, flags] of groups) {
    lines.push(`${group}:`);
    for (const f of flags) {
      const value =
        f.type === 'boolean' ? '' : f.choices ? ` <${f.choices.join('|')}>` : f.type === 'number' ? ' <n>' : ' <value>';
      const def =
        f.default === undefined || f.default === '' || (Array.isArray(f.default) && f.default.length === 0)
          ? ''
          : ` (default: ${String(f.default)})`;
      lines.push(`  --${f.flag}${value}${def}`);
      lines.push(`      ${f.description}`);
    }
    lines.push('');
  }
  lines.push('  --help\n      Show this help.');
  return lines.join('\n');
}

/** docs/flags.md, generated from FLAGS (a test keeps the file in step with this table). */
export function flagsMarkdown(): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [
    '# Gateway flags',
    '',
    'Generated from `src-server/config/flags.ts`; do not edit by hand. After changing a flag, run',
    '`npm run docs` to regenerate this file.',
    '',
  ];
  const groups = new Map<string, FlagSpec[]>();
  for (const f of FLAGS as readonly FlagSpec[]) groups.set(f.group, [...(groups.get(f.group) ?? []), f]);
  for (const [group, flags] of groups) {
    lines.push(`## ${group}`, '', '| Flag | Values | Default | Description |', '|---|---|---|---|');
    for (const f of flags) {
      const values = f.choices ? f.choices.map((c) => `\`${c}\``).join(', ') : f.type;
      const empty = f.default === undefined || f.default === '' || (Array.isArray(f.default) && f.default.length === 0);
      const def = empty ? '—' : `\`${String(f.default)}\``;
      lines.push(`| \`--${f.flag}\` | ${esc(values)} | ${esc(def)} | ${esc(f.description)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
