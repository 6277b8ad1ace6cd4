/**
 * docs/compatibility.md (D3): per request field, input item, tool type, `include` value, event
 * and endpoint — OpenAI, Open Responses (2026-04-24), vLLM's native `/v1/responses`, and this
 * gateway. The gateway column is the data `GET /v1/capabilities` serves (capabilities.ts) and the
 * router's routes; the Open Responses column is read from the specification; the OpenAI column
 * from the request schema and event catalogue (both follow openai-node's types); the vLLM column
 * from vllm-native.ts.
 */
import fs from 'node:fs';
import type { RouteInfo } from '../../src-server/http/server.js';
import type { Capability } from '../../src-server/shared/protocol/capabilities.js';
import { defaultConfig } from '../../src-server/config/flags.js';
import { capabilitiesFor, type HostedToolsPolicy } from '../../src-server/shared/protocol/hosted-tools.js';
import {
  EXTENSION_EVENT_TYPES,
  OFFICIAL_EVENT_TYPES,
  dialectEventType,
} from '../../src-server/shared/protocol/events.js';
import { CREATE_RESPONSE_REQUEST_SCHEMA } from '../../src-server/shared/protocol/request-schema.js';
import { VLLM_NATIVE, VLLM_NATIVE_EVENTS } from './vllm-native.js';

/** The table a gateway started without flags serves at /v1/capabilities (hosted tools omitted). */
const CAPABILITIES = capabilitiesFor(defaultConfig().hostedTools as HostedToolsPolicy);

type Schema = Record<string, unknown>;

/** What the Open Responses specification defines, read from its OpenAPI document. */
export interface OpenResponsesFacts {
  parameters: Set<string>;
  inputItems: Set<string>;
  tools: Set<string>;
  include: Set<string>;
  events: Set<string>;
  paths: Set<string>;
}

export function openResponsesFacts(specPath: string): OpenResponsesFacts {
  const spec = JSON.parse(fs.readFileSync(specPath, 'utf8')) as {
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: Record<string, Schema> };
  };
  const schemas = spec.components.schemas;
  const deref = (s: Schema): Schema =>
    typeof s.$ref === 'string' ? (schemas[s.$ref.split('/').pop() ?? ''] ?? {}) : s;
  const typeValues = (s: Schema): string[] => {
    const t = ((deref(s).properties as Record<string, Schema> | undefined) ?? {}).type ?? {};
    if (Array.isArray(t.enum)) return t.enum as string[];
    if (typeof t.const === 'string') return [t.const];
    if (typeof t.default === 'string') return [t.default];
    return [];
  };
  const union = (s: Schema): Schema[] => {
    const d = deref(s);
    return Array.isArray(d.oneOf) ? (d.oneOf as Schema[]) : [d];
  };
  const body = schemas.CreateResponseBody ?? {};
  const inputItems = new Set(union(schemas.ItemParam ?? {}).flatMap(typeValues));
  // An item_reference has an optional type (an id alone is a reference).
  if (schemas.ItemReferenceParam) inputItems.add('item_reference');
  const events = new Set<string>();
  for (const [name, s] of Object.entries(schemas))
    if (name.endsWith('StreamingEvent')) typeValues(s).forEach((t) => events.add(t));
  const paths = new Set<string>();
  for (const [p, methods] of Object.entries(spec.paths)) {
    for (const m of Object.keys(methods)) {
      const route = `/v1${p.replace(/\{(\w+)\}/g, ':$1')}`;
      // The WebSocket transport is an `x-…-websocket` extension key on the path: a GET upgrade.
      if (/websocket/i.test(m)) paths.add(`WebSocket ${route}`);
      else if (!m.startsWith('x-')) paths.add(`${m.toUpperCase()} ${route}`);
    }
  }
  return {
    parameters: new Set(Object.keys((body.properties as Record<string, unknown> | undefined) ?? {})),
    inputItems,
    tools: new Set(union(schemas.ResponsesToolParam ?? {}).flatMap(typeValues)),
    include: new Set(((schemas.IncludeEnum?.enum as string[] | undefined) ?? []).filter(Boolean)),
    events,
    paths,
  };
}

const YES = 'yes';
const NO = '—';
const gateway = (cap: Capability | undefined): string => (cap ? cap.status : 'unsupported');
const esc = (s: string): string => s.replace(/\|/g, '\\|');

/** Endpoints OpenAI's hosted Responses API has (the ones this comparison covers). */
const OPENAI_ENDPOINTS = new Set([
  'POST /v1/responses',
  'GET /v1/responses/:id',
  'DELETE /v1/responses/:id',
  'GET /v1/responses/:id/input_items',
  'POST /v1/responses/:id/cancel',
  'POST /v1/responses/input_tokens',
  'POST /v1/responses/compact',
  'GET /v1/models',
]);

/** Event names that belong to built-in tools; the gateway sends them only if it offers that tool. */
const TOOL_OF_EVENT: [RegExp, string][] = [
  [/custom_tool_call/, 'custom'],
  [/code_interpreter/, 'code_interpreter'],
  [/file_search/, 'file_search'],
  [/web_search/, 'web_search'],
  [/image_generation/, 'image_generation'],
  [/mcp/, 'mcp'],
  [/audio/, 'audio'],
];

function gatewaySendsEvent(type: string): string {
  for (const [re, tool] of TOOL_OF_EVENT) {
    if (!re.test(type)) continue;
    if (tool === 'audio') return 'never (no audio output)';
    return CAPABILITIES.tools[tool]?.status === 'supported' ? YES : `never (no ${tool} tool)`;
  }
  return YES;
}

export function compatibilityMarkdown(routes: readonly RouteInfo[], specPath: string): string {
  const spec = openResponsesFacts(specPath);
  const lines = [
    '# Compatibility matrix',
    '',
    '<!-- Generated by `npm run docs` (scripts/docs/compatibility.ts); do not edit by hand. -->',
    '',
    "What each API does with each part of a request, side by side: OpenAI's hosted Responses API, the",
    "[Open Responses](https://www.openresponses.org) specification of 2026-04-24, vLLM's own `/v1/responses`,",
    'and this gateway. The gateway column is the data `GET /v1/capabilities` serves: `supported`;',
    '`accepted` (allowed, no effect — the [API reference](api-reference.md) says why); `unsupported`',
    '(a 400 `unsupported_parameter` naming it, never dropped silently); `omitted` (a hosted tool the gateway',
    'does not run: left out of what the model is offered and named in `x-responses-omitted-tools`, or a 400',
    'with `--responses-hosted-tools reject`, see [clients.md](clients.md)). In the vLLM column `—` means',
    "vLLM's request model has no such field and drops it without an error. The Open Responses column",
    'is read from the specification file; `—` there means the specification does not define it.',
    'Migrating from one of the others: [migration.md](migration.md).',
    '',
  ];
  const section = (
    title: string,
    keys: string[],
    openai: (k: string) => string,
    open: (k: string) => string,
    vllm: (k: string) => string,
    gw: (k: string) => string,
  ): void => {
    lines.push(
      `## ${title}`,
      '',
      '| | OpenAI | Open Responses | vLLM native | This gateway |',
      '| - | - | - | - | - |',
    );
    for (const k of keys)
      lines.push(`| \`${k}\` | ${esc(openai(k))} | ${esc(open(k))} | ${esc(vllm(k))} | ${esc(gw(k))} |`);
    lines.push('');
  };
  const params = Object.keys((CREATE_RESPONSE_REQUEST_SCHEMA as { properties: Schema }).properties);
  section(
    'Request fields',
    params,
    () => YES,
    (k) => (spec.parameters.has(k) ? YES : NO),
    (k) => VLLM_NATIVE.parameters[k] ?? NO,
    (k) => gateway(CAPABILITIES.parameters[k]),
  );
  section(
    'Input items',
    Object.keys(CAPABILITIES.inputItems),
    () => YES,
    (k) => (spec.inputItems.has(k) ? YES : NO),
    (k) => VLLM_NATIVE.inputItems[k] ?? NO,
    (k) => gateway(CAPABILITIES.inputItems[k]),
  );
  section(
    'Tool types',
    Object.keys(CAPABILITIES.tools),
    () => YES,
    (k) => (spec.tools.has(k) ? YES : NO),
    (k) => VLLM_NATIVE.tools[k] ?? NO,
    (k) => gateway(CAPABILITIES.tools[k]),
  );
  section(
    '`include` values',
    Object.keys(CAPABILITIES.include),
    () => YES,
    (k) => (spec.include.has(k) ? YES : NO),
    (k) => VLLM_NATIVE.include[k] ?? NO,
    (k) => gateway(CAPABILITIES.include[k]),
  );
  const extensions = new Set<string>(EXTENSION_EVENT_TYPES);
  section(
    'Events (`openai` dialect names; Open Responses names where they differ)',
    [
      ...OFFICIAL_EVENT_TYPES,
      ...EXTENSION_EVENT_TYPES.filter((e) => !(OFFICIAL_EVENT_TYPES as readonly string[]).includes(e)),
    ],
    (k) => (extensions.has(k) ? NO : YES),
    (k) => {
      const name = dialectEventType(k, 'open-responses');
      if (!spec.events.has(name)) return NO;
      return name === k ? YES : `as \`${name}\``;
    },
    (k) => (VLLM_NATIVE_EVENTS.has(k) ? YES : NO),
    (k) => (extensions.has(k) ? 'extension (opt-in)' : gatewaySendsEvent(k)),
  );
  const served = new Set(routes.map((r) => `${r.method} ${r.pattern}`));
  const endpoints = [...new Set([...OPENAI_ENDPOINTS, ...spec.paths, ...Object.keys(VLLM_NATIVE.endpoints)])];
  section(
    'Endpoints',
    endpoints,
    (k) => (OPENAI_ENDPOINTS.has(k) ? YES : NO),
    (k) => (spec.paths.has(k) ? YES : NO),
    (k) => VLLM_NATIVE.endpoints[k] ?? NO,
    (k) => (served.has(k.replace(/^WebSocket /, 'GET ')) ? YES : 'not served'),
  );
  lines.push(
    'Beyond these, the gateway serves its own routes (tool outputs into a live stream, sessions, capabilities,',
    'metrics, recordings): see the [API reference](api-reference.md#routes).',
    '',
  );
  return lines.join('\n');
}
