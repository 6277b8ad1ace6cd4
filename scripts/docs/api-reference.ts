/**
 * docs/api-reference.md (D1): every route, request parameter, event and error, generated from the
 * code that defines them so that the page cannot drift — the router's route list, the request
 * JSON Schema, the capability table, the event catalogue and extension schemas, and the error
 * factory. Flags have their own generated page (docs/flags.md). Route descriptions are the one
 * hand-written part: ROUTE_DESCRIPTIONS below, and a test fails when a route has none.
 */
import type { RouteInfo } from '../../src-server/http/server.js';
import type { Capability } from '../../src-server/shared/protocol/capabilities.js';
import { defaultConfig } from '../../src-server/config/flags.js';
import { capabilitiesFor, type HostedToolsPolicy } from '../../src-server/shared/protocol/hosted-tools.js';
import { errors, GatewayError } from '../../src-server/shared/protocol/errors.js';
import {
  dialectEventType,
  EXTENSION_EVENT_TYPES,
  LIFECYCLE_EVENT_TYPES,
  OFFICIAL_EVENT_TYPES,
} from '../../src-server/shared/protocol/events.js';
import { EXTENSION_EVENT_SCHEMAS } from '../../src-server/shared/protocol/extension-schemas.js';
import { CREATE_RESPONSE_REQUEST_SCHEMA } from '../../src-server/shared/protocol/request-schema.js';
import { TROUBLESHOOTING_CODES, troubleshootingAnchor } from '../../src-server/shared/protocol/troubleshooting.js';

/** The table a gateway started without flags serves at /v1/capabilities (hosted tools omitted). */
const CAPABILITIES = capabilitiesFor(defaultConfig().hostedTools as HostedToolsPolicy);

/** What each route does, keyed `METHOD /path` as the router registers it (Azure aliases excluded). */
export const ROUTE_DESCRIPTIONS: Record<string, string> = {
  'POST /v1/responses':
    'Create a response: JSON, or server-sent events with `stream: true` ([streaming](streaming.md)). Session mode, background runs and chaining: [state](state.md).',
  'POST /v1/responses/input_tokens': 'Count the input tokens a create request would send (the backend tokenizer).',
  'GET /v1/responses/:id':
    'A stored response; with `?stream=true&starting_after=N` the events of a background response from N on (L6).',
  'DELETE /v1/responses/:id': 'Delete a stored response.',
  'GET /v1/responses/:id/input_items': 'The input items of a stored response, paginated (`after`, `limit`, `order`).',
  'POST /v1/responses/:id/cancel': 'Cancel a background response.',
  'POST /v1/responses/:id/tool_outputs':
    'Submit `{tool_outputs: [{call_id, output}]}` to a session-mode stream that waits for them (C1).',
  'GET /v1/responses/:id/session':
    'The live session of a streaming response: pending calls, waiting flag, timestamps (C3).',
  'GET /v1/models': 'The backend models, as OpenAI lists them.',
  'GET /healthz': 'Liveness and backend reachability.',
  'GET /v1/capabilities':
    'What the gateway honours: parameters, tools, `include` values, input items, events, endpoints ([compatibility](compatibility.md)).',
  'GET /metrics': 'Prometheus metrics ([observability](observability.md)).',
  'GET /v1/console/logs': 'The live log tail as server-sent events (console; loopback only).',
  'POST /v1/console/encrypted-content/inspect':
    'Open an `encrypted_content` token with the configured keys: integrity, key id, size (console).',
  'GET /v1/recordings': 'The recordings library: search and list ([recording](recording.md)).',
  'GET /v1/recordings/diff': 'Compare two recordings (`?a=ID&b=ID`).',
  'POST /v1/recordings/import': 'Import a recording file (JSON Lines or HAR).',
  'GET /v1/recordings/:id': 'One recording: request, headers, every event with its time offset.',
  'PATCH /v1/recordings/:id': 'Rename or tag a recording.',
  'DELETE /v1/recordings/:id': 'Delete a recording.',
  'GET /v1/recordings/:id/export': 'Download a recording as JSON Lines or HAR (`?format=har`).',
  'POST /v1/recordings/:id/rerun': 'Send the recorded requests to another target, record the runs, diff them.',
  'POST /v1/responses/compact':
    'Compact a conversation (`input` and/or `previous_response_id`) into a shorter window ending in one sealed `compaction` item ([state](state.md#compaction)).',
  'POST /v1/conversations':
    'Create a conversation, optionally with metadata and up to 20 first items ([state](state.md#conversations-x4)).',
  'GET /v1/conversations':
    "The caller's conversations, newest first; `limit`, `order`, `after` (this gateway's addition).",
  'GET /v1/conversations/:id': 'One conversation.',
  'POST /v1/conversations/:id': 'Replace the metadata of a conversation.',
  'DELETE /v1/conversations/:id': 'Delete a conversation and its items (stored responses keep their own).',
  'POST /v1/conversations/:id/items': 'Append up to 20 items to a conversation.',
  'GET /v1/conversations/:id/items': 'The items of a conversation, paginated (`after`, `limit`, `order`).',
  'GET /v1/conversations/:id/items/:item_id': 'One item of a conversation.',
  'DELETE /v1/conversations/:id/items/:item_id': 'Delete one item; answers the conversation.',
  'GET /v1/conversations/:id/responses':
    "The responses that added items to a conversation, oldest first, with the items each added (this gateway's addition).",
};

/** Factories whose code or status comes from the caller: what they are used for instead of a message. */
const FACTORY_NOTES: Record<string, string> = {
  backendError:
    "An error the backend answered with, passed on with its status and type and a string code (vLLM's integer codes are mapped, M2).",
  conflict: 'A state conflict, e.g. `duplicate_tool_output` naming the `call_id` (E6) or `response_not_waiting`.',
  notFound: 'A missing object, e.g. `recording_not_found`, `recording_not_matched` (replay server).',
};

const AZURE_PREFIX = /^\/openai\//;
const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The routes as documented: Azure aliases folded into their /v1 route. */
export function documentedRoutes(routes: readonly RouteInfo[]): { key: string; azure: string[] }[] {
  const out: { key: string; azure: string[] }[] = [];
  const byKey = new Map<string, { key: string; azure: string[] }>();
  for (const r of routes) {
    if (AZURE_PREFIX.test(r.pattern)) continue;
    const entry = { key: `${r.method} ${r.pattern}`, azure: [] as string[] };
    if (!byKey.has(entry.key)) {
      byKey.set(entry.key, entry);
      out.push(entry);
    }
  }
  for (const r of routes) {
    if (!AZURE_PREFIX.test(r.pattern)) continue;
    const suffix = r.pattern.replace(/^\/openai(\/v1|\/deployments\/:deployment)?\/responses/, '/v1/responses');
    byKey.get(`${r.method} ${suffix}`)?.azure.push(r.pattern);
  }
  return out;
}

type Schema = Record<string, unknown>;

function typeOf(schema: Schema): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => (v === null ? 'null' : `\`${String(v)}\``)).join(', ');
  if (schema.const !== undefined) return `\`${String(schema.const)}\``;
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf)) return 'one of several shapes';
  if (typeof schema.$ref === 'string') return schema.$ref.replace('#/$defs/', '');
  return 'any';
}

function capabilityCell(cap: Capability | undefined): string {
  if (!cap) return '—';
  return `${cap.status}: ${cap.reason}`;
}

/**
 * Each error factory called with placeholder arguments: the status, type, code and param it
 * produces, and its message with the arguments shown as `…`.
 */
export function errorCatalogue(): {
  name: string;
  status: number;
  type: string;
  code: string;
  param: string;
  message: string;
}[] {
  const rows = [];
  for (const [name, factory] of Object.entries(errors) as [string, (...args: unknown[]) => unknown][]) {
    // Private-use characters as placeholders: printable() in errors.ts keeps them, unlike control characters.
    const args = Array.from({ length: Math.max(factory.length, 1) }, (_, i) => `\uE000${i}\uE000`);
    const e = factory(...args);
    if (!(e instanceof GatewayError)) continue;
    const placeholder = (v: string | null): string =>
      v === null ? '—' : /\uE000\d\uE000/.test(v) ? '(varies)' : `\`${v}\``;
    rows.push({
      name,
      status: Number.isInteger(e.status) ? e.status : 0,
      type: /\uE000/.test(e.type) ? '(varies)' : e.type,
      code: placeholder(e.code),
      param: placeholder(e.param),
      message: FACTORY_NOTES[name] ?? e.message.replace(/'?\uE000\d\uE000'?/g, '…'),
    });
  }
  return rows;
}

export function apiReferenceMarkdown(routes: readonly RouteInfo[]): string {
  const lines = [
    '# API reference',
    '',
    '<!-- Generated by `npm run docs` (scripts/docs/api-reference.ts); do not edit by hand. -->',
    '',
    'Every route, request parameter, streaming event and error of the gateway, generated from the',
    'router, the request schema (`src-server/shared/protocol/request-schema.ts`), the capability table',
    '(`capabilities.ts`), the event catalogue (`events.ts`, `extension-schemas.ts`) and the error',
    'factory (`errors.ts`). Flags: [flags.md](flags.md). Headers: [headers.md](headers.md).',
    'What each error means and how to fix it: [troubleshooting.md](troubleshooting.md).',
    '',
    '- [Routes](#routes)',
    '- [Request body of POST /v1/responses](#request-body-of-post-v1responses)',
    '- [Events](#events)',
    '- [Errors](#errors)',
    '',
    '## Routes',
    '',
    'With `--enable-azure-api` every `/v1/responses…` route also answers under the Azure paths listed',
    '([azure.md](azure.md)). Recording routes exist with `--record on` or a recordings library; console',
    'routes answer only the console ([headers.md](headers.md#browsers)). `GET /v1/responses` with',
    '`Upgrade: websocket` is the WebSocket transport: `response.create` messages in, the same events',
    'as the stream out ([streaming](streaming.md#websocket)).',
    '',
    '| Method | Path | What | Azure aliases |',
    '| ------ | ---- | ---- | ------------- |',
  ];
  for (const r of documentedRoutes(routes)) {
    const [method, path] = r.key.split(' ');
    const aliases = r.azure.map((a) => `\`${a}\``).join('<br>') || '—';
    lines.push(`| ${method} | \`${path}\` | ${esc(ROUTE_DESCRIPTIONS[r.key] ?? '(undocumented)')} | ${aliases} |`);
  }

  lines.push(
    '',
    '## Request body of POST /v1/responses',
    '',
    'Validated against a JSON Schema (`GET /v1/capabilities` and the console editor use the same one).',
    'In strict mode (default) an unknown field is a 400 `unknown_parameter` naming it; `--responses-compat lenient`',
    'ignores it and lists it in `x-responses-ignored-fields`. The last column says what the gateway does',
    'with the field: `supported`, `accepted` (allowed, no effect), `unsupported` (a 400 `unsupported_parameter`).',
    '',
    '| Field | Type | Description | Gateway |',
    '| ----- | ---- | ----------- | ------- |',
  );
  const schema = CREATE_RESPONSE_REQUEST_SCHEMA as { properties: Record<string, Schema>; required: string[] };
  for (const [name, prop] of Object.entries(schema.properties)) {
    const required = schema.required.includes(name) ? ' (required)' : '';
    const description = typeof prop.description === 'string' ? prop.description : '';
    lines.push(
      `| \`${name}\`${required} | ${esc(typeOf(prop))} | ${esc(description)} | ${esc(capabilityCell(CAPABILITIES.parameters[name]))} |`,
    );
  }
  for (const [title, table] of [
    ['Tool types (`tools[].type`)', CAPABILITIES.tools],
    ['`tool_choice` objects that are not tools', CAPABILITIES.toolChoice],
    ['Input item types (`input[].type`)', CAPABILITIES.inputItems],
    ['`include` values', CAPABILITIES.include],
  ] as const) {
    lines.push('', `### ${title}`, '', '| Value | Gateway |', '| ----- | ------- |');
    for (const [value, cap] of Object.entries(table)) lines.push(`| \`${value}\` | ${esc(capabilityCell(cap))} |`);
  }

  const lifecycle = new Set<string>(LIFECYCLE_EVENT_TYPES);
  lines.push(
    '',
    '## Events',
    '',
    'Names in both dialects ([streaming.md](streaming.md#dialects)); every event carries `type` and',
    '`sequence_number`. Lifecycle events carry the whole Response in `response`. Events of built-in tools',
    '(web search, file search, code interpreter, image generation, MCP, audio) are part of the catalogue that',
    'the stream validator knows; the gateway runs none of those tools and so never sends them.',
    '',
    '| Event (`openai`) | `open-responses` name | Kind |',
    '| ---------------- | --------------------- | ---- |',
  );
  for (const type of OFFICIAL_EVENT_TYPES) {
    const kind = lifecycle.has(type) ? 'lifecycle' : type === 'error' ? 'error' : 'official';
    lines.push(`| \`${type}\` | \`${dialectEventType(type, 'open-responses')}\` | ${kind} |`);
  }
  lines.push(
    '',
    '### Extension events',
    '',
    'Sent only when extensions are on (`--responses-extensions`, or per request the `x-responses-extensions` header),',
    'each with the next `sequence_number` ([extensions.md](extensions.md)). Fields beside `type` and `sequence_number`:',
    '',
    '| Event | Fields |',
    '| ----- | ------ |',
  );
  for (const type of EXTENSION_EVENT_TYPES) {
    const s = EXTENSION_EVENT_SCHEMAS[type] as { properties?: Record<string, Schema>; required?: string[] };
    const fields = Object.keys(s.properties ?? {})
      .filter((f) => f !== 'type' && f !== 'sequence_number')
      .map((f) => `\`${f}\`${s.required?.includes(f) ? '' : '?'}`)
      .join(', ');
    lines.push(`| \`${type}\` | ${fields || '—'} |`);
  }

  lines.push(
    '',
    '## Errors',
    '',
    'Every error is `{"error": {"message", "type", "param", "code"}}` with the HTTP status below; in a stream it is',
    'an `error` event followed by `response.failed`. `(varies)` marks a value taken from the request or the',
    'backend; `…` in a message stands for such a value. A linked code has an entry in the troubleshooting guide,\nand its error responses carry the `x-responses-troubleshooting` header naming that entry.',
    '',
    '| Status | Type | Code | Param | Message |',
    '| -----: | ---- | ---- | ----- | ------- |',
  );
  const catalogue = errorCatalogue().sort((a, b) => a.status - b.status || a.code.localeCompare(b.code));
  for (const e of catalogue) {
    const bare = e.code.replace(/`/g, '');
    const code = TROUBLESHOOTING_CODES.has(bare)
      ? `[${e.code}](troubleshooting.md#${troubleshootingAnchor(bare)})`
      : e.code;
    lines.push(`| ${e.status || '(varies)'} | ${e.type} | ${code} | ${e.param} | ${esc(e.message)} |`);
  }
  lines.push('');
  return lines.join('\n');
}
