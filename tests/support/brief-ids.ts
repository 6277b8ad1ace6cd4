/**
 * The product brief's feature IDs, and the IDs added for features built after it, as Vitest test
 * tags. A test says which features it proves with `test('…', { tags: ['C1', 'E6'] }, fn)` (or on a
 * `describe`); the compliance report (T1) counts tests per tag. Unknown tags fail the run
 * (`strictTags`), and the `TestTags` declaration below makes a misspelt tag a type error.
 */
export const BRIEF_IDS = {
  // Critical
  C1: 'tool outputs endpoint and session mode',
  C2: 'response.tool_call.delta extension event',
  C3: 'stateful response sessions: TTL, limits, eviction',
  C4: 'error event followed by response.failed',
  // High
  H1: 'prompt_cache_key mapped to cache_salt',
  H2: 'reasoning events',
  H3: 'reasoning summaries',
  H4: 'encrypted reasoning context',
  H5: 'rate limits: budgets, headers, events',
  // Medium
  M1: 'Azure endpoint formats',
  M2: 'OpenAI-compatible errors',
  M3: 'Retry-After on 429 and 503',
  M4: 'include options',
  M5: 'HTTP headers: request id, organization, CORS exposure',
  M6: 'store: stored responses, input items, cancel, chaining',
  // Low
  L1: 'SSE stream validation',
  L2: 'streaming performance: write coalescing',
  L3: 'strict and lenient compatibility modes',
  L4: 'keep-alive',
  L5: 'terminal [DONE] sentinel',
  L6: 'sequence numbers and background stream resume',
  L7: 'request and response id consistency',
  L8: 'service_tier',
  // Edge cases
  E1: 'malformed upstream SSE',
  E2: 'tool-output timeout',
  E3: 'concurrent tool calls',
  E4: 'large payloads and size limits',
  E5: 'client disconnect',
  E6: 'duplicate tool output',
  E7: 'invalid JSON in model tool arguments',
  E8: 'memory limits and backpressure',
  // Documentation and tests
  D1: 'API reference',
  D2: 'migration guide',
  D3: 'compatibility matrix',
  D4: 'runnable examples',
  D5: 'troubleshooting guide',
  T1: 'compliance suite and report',
  // Beyond the list
  B1: 'full official event sequence, validated by the spec and real clients',
  B2: 'background mode, input token counting, structured output, capability report',
  B3: 'backend adapters with one shape and one contract suite',
  B4: 'Prometheus metrics and the overhead header',
  // Added after the first version
  X1: 'Codex CLI and client-executed tools (namespace, custom, shell, apply_patch, hosted-tool policy)',
  X2: 'WebSocket transport',
  X3: 'compaction',
  X4: 'Conversations API, item references and truncation',
  X5: 'origin and host safety, CSRF',
  X6: 'tenancy: objects belong to an API key',
  X7: 'robustness: no request crashes or freezes the process',
  X8: 'many instances on PostgreSQL and Redis',
  X9: 'vLLM native Responses backend, proxied and repaired',
  X10: 'installable gateway and CLI',
  // The desktop console
  U1: 'console: composer and requests',
  U2: 'console: live event timeline and assembled view',
  U3: 'console: tool calls',
  U4: 'console: rate limits',
  U5: 'console: encrypted context',
  U6: 'console: sessions library, replay, diff, export',
  U7: 'console: gateway panel',
  U8: 'console: connection profiles',
  U9: 'console: themes, shortcuts, command palette',
  U10: 'desktop shell: Electron window, preload, IPC, keychain',
} as const;

export type BriefId = keyof typeof BRIEF_IDS;

export const BRIEF_TAGS = (Object.keys(BRIEF_IDS) as BriefId[]).map((name) => ({
  name,
  description: BRIEF_IDS[name],
}));

declare module 'vitest' {
  interface TestTags {
    tags: BriefId;
  }
}
