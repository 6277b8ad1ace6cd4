/**
 * Hosted tools (`--responses-hosted-tools`): tools OpenAI runs on its own servers (web search,
 * file search, code interpreter, image generation, computer use, remote MCP, tool search, a shell
 * in an OpenAI container …). The gateway runs none of them. Clients such as Codex offer some on
 * every request, so by default (`omit`) they are taken out before the model sees the tools, and
 * said so: the `x-responses-omitted-tools` header, a warn log line, a `/metrics` counter, the
 * capability report and the console's run view. `reject` answers 400 naming the tool instead.
 * A `tool_choice` that forces an omitted tool is always a 400: the request cannot be honoured.
 */
import { DEFAULT_CAPABILITIES, type CapabilityTable } from './capabilities.js';
import { errors } from './errors.js';
import type { CreateResponseRequest } from './types.js';

export const HOSTED_TOOLS_POLICIES = ['omit', 'reject'] as const;
export type HostedToolsPolicy = (typeof HOSTED_TOOLS_POLICIES)[number];

/** Response header naming the omitted tools (docs/headers.md). */
export const OMITTED_TOOLS_HEADER = 'x-responses-omitted-tools';

export interface OmittedTool {
  /** Index in the request's `tools`. */
  index: number;
  type: string;
  /** What the header and the log call it: the type, `mcp:<server_label>` for MCP servers. */
  label: string;
}

type LooseTool = { type: string; server_label?: unknown; environment?: { type?: unknown } | null };

/** True for a tool the gateway recognises but cannot run (a shell in an OpenAI container is one). */
export function isHostedTool(tool: LooseTool, table: CapabilityTable = DEFAULT_CAPABILITIES): boolean {
  if (tool.type === 'shell') {
    const env = tool.environment?.type;
    return env === 'container_auto' || env === 'container_reference';
  }
  const cap = table.tools[tool.type];
  return cap !== undefined && cap.status === 'unsupported';
}

function label(tool: LooseTool): string {
  if (tool.type === 'mcp' && typeof tool.server_label === 'string') return `mcp:${tool.server_label}`;
  if (tool.type === 'shell' && tool.environment?.type) return `shell:${String(tool.environment.type)}`;
  return tool.type;
}

/**
 * Applies the policy. `omit`: a copy of the request without its hosted tools, and the list of
 * what was taken out (the request is returned as is when there is nothing to omit). `reject`:
 * a 400 naming the first hosted tool.
 */
export function applyHostedToolsPolicy(
  request: CreateResponseRequest,
  policy: HostedToolsPolicy,
): { request: CreateResponseRequest; omitted: OmittedTool[] } {
  const tools = (request.tools ?? []) as unknown as LooseTool[];
  const omitted: OmittedTool[] = [];
  tools.forEach((tool, index) => {
    if (isHostedTool(tool)) omitted.push({ index, type: tool.type, label: label(tool) });
  });
  if (omitted.length === 0) return { request, omitted };
  if (policy === 'reject') {
    const first = omitted[0];
    throw errors.unsupportedParameter(
      `tools[${first.index}].type`,
      `Tool type '${first.label}' is a hosted tool, which this gateway does not run (--responses-hosted-tools reject).`,
    );
  }
  assertNotForced(request.tool_choice, omitted);
  const skip = new Set(omitted.map((o) => o.index));
  const kept = (request.tools ?? []).filter((_, i) => !skip.has(i));
  return { request: { ...request, tools: kept }, omitted };
}

/** A tool_choice (or an allowed_tools entry) naming an omitted tool type cannot be honoured. */
function assertNotForced(choice: CreateResponseRequest['tool_choice'], omitted: OmittedTool[]): void {
  if (typeof choice !== 'object' || choice === null) return;
  const types = new Set(omitted.map((o) => o.type));
  const forced = choice as { type: string; tools?: { type?: unknown }[] };
  if (types.has(forced.type) || (forced.type === 'computer_use' && types.has('computer')))
    throw errors.invalidValue(
      'tool_choice',
      `tool_choice forces the hosted tool '${forced.type}', which this gateway does not run; it was omitted from the tools.`,
    );
  if (forced.type === 'allowed_tools')
    (forced.tools ?? []).forEach((t, i) => {
      if (typeof t.type === 'string' && types.has(t.type))
        throw errors.invalidValue(
          `tool_choice.tools[${i}]`,
          `Allowed tool '${t.type}' is a hosted tool, which this gateway does not run; it was omitted from the tools.`,
        );
    });
}

/** `--responses-hosted-tools omit` tables, by the table they were made from (read, never changed). */
const OMITTING = new WeakMap<CapabilityTable, CapabilityTable>();

/** The capability table as the policy makes it: hosted tool types are `omitted` under `omit`. */
export function capabilitiesFor(
  policy: HostedToolsPolicy,
  table: CapabilityTable = DEFAULT_CAPABILITIES,
): CapabilityTable {
  if (policy === 'reject') return table;
  // Asked on every create request: the table of a policy is built once per base table.
  let omitting = OMITTING.get(table);
  if (!omitting) {
    omitting = omittingTable(table);
    OMITTING.set(table, omitting);
  }
  return omitting;
}

function omittingTable(table: CapabilityTable): CapabilityTable {
  const tools = { ...table.tools };
  for (const [type, cap] of Object.entries(tools))
    if (cap.status === 'unsupported')
      tools[type] = {
        status: 'omitted',
        reason: `A hosted tool: not offered to the model (--responses-hosted-tools omit) and named in the ${OMITTED_TOOLS_HEADER} header; a tool_choice forcing it is a 400.`,
      };
  return { ...table, tools };
}
