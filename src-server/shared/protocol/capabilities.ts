/**
 * What the gateway honours, as data. The request schema says what a request may *contain*; this
 * table says what the gateway *does* with it, so nothing is dropped silently:
 *
 * - `supported`: implemented;
 * - `accepted`: allowed, with no effect (the reason says why that is harmless or what is missing);
 * - `unsupported`: rejected with 400 `unsupported_parameter` naming the param;
 * - `omitted` (tools only): hosted tools under `--responses-hosted-tools omit` (the default): taken
 *   out of the request before the model sees it, and named in the `x-responses-omitted-tools`
 *   header (hosted-tools.ts).
 *
 * To turn a feature on (e.g. when the response store lands, `previous_response_id`), flip its entry
 * here; `assertSupported` and `GET /v1/capabilities` (capabilityReport) both read this table.
 */
import { errors } from './errors.js';
import type { CreateResponseRequest } from './types.js';

export type SupportStatus = 'supported' | 'accepted' | 'unsupported' | 'omitted';

export interface Capability {
  status: SupportStatus;
  reason: string;
  /** For parameters: what counts as "used". Default: any value other than null/undefined. */
  usedWhen?: 'present' | 'true';
}

export interface CapabilityTable {
  /** Top-level request parameters. */
  parameters: Record<string, Capability>;
  /** `tools[i].type`; also governs `tool_choice` naming that tool type. */
  tools: Record<string, Capability>;
  /** `tool_choice` object types that are not tools themselves. */
  toolChoice: Record<string, Capability>;
  /** `include[i]` values. */
  include: Record<string, Capability>;
  /** `input[i].type` (messages without `type` count as `message`). */
  inputItems: Record<string, Capability>;
}

const yes = (reason: string): Capability => ({ status: 'supported', reason });
const noop = (reason: string): Capability => ({ status: 'accepted', reason });
const no = (reason: string, usedWhen?: Capability['usedWhen']): Capability => ({
  status: 'unsupported',
  reason,
  ...(usedWhen ? { usedWhen } : {}),
});

const NOT_RUN = 'A hosted tool: the gateway runs no hosted tools (see --responses-hosted-tools).';
const CLIENT_RUN = 'Offered to the model as a function; the call comes back as';

export const DEFAULT_CAPABILITIES: CapabilityTable = {
  parameters: {
    model: yes('Routed to the backend model of that name.'),
    input: yes('Messages, function calls and outputs, and reasoning items become the backend conversation.'),
    instructions: yes('Sent as the first system message.'),
    tools: yes('Function, namespace, custom, shell, local_shell and apply_patch tools (see the tools table).'),
    tool_choice: yes("'none', 'auto', 'required' and a named function."),
    parallel_tool_calls: yes('Forwarded to the backend (E3).'),
    max_tool_calls: noop('Limits built-in tool calls; the gateway runs none.'),
    text: yes('text.format json_schema / json_object map to guided decoding; verbosity is echoed.'),
    reasoning: yes('effort is forwarded; summary produces reasoning summaries (H3).'),
    temperature: yes('Forwarded.'),
    top_p: yes('Forwarded.'),
    max_output_tokens: yes('Forwarded as max_tokens; reaching it ends the response as incomplete.'),
    top_logprobs: yes('Forwarded with include message.output_text.logprobs (M4).'),
    metadata: yes('Validated and echoed on the response.'),
    client_metadata: noop('Validated (strings only), logged and recorded; never sent to the backend.'),
    access_programs: noop('No access programs exist here.'),
    background_options: noop('Background runs start at once; no completion window or continuation.'),
    image: noop('Input images are sent to the backend as given.'),
    user: noop('Echoed; no per-user behaviour.'),
    safety_identifier: noop('Echoed; no safety system runs in the gateway.'),
    prompt_cache_key: yes('Mapped to vLLM cache_salt (H1).'),
    prompt_cache_retention: noop('The backend owns its prefix cache lifetime.'),
    prompt_cache_options: noop('The backend owns its prefix cache.'),
    service_tier: yes('Mapped to vLLM priority; the resolved tier is echoed (L8).'),
    store: yes('Default true: the response is kept for GET, input_items and previous_response_id (docs/state.md).'),
    stream: yes('Server-sent events; over the WebSocket transport every response streams (docs/streaming.md).'),
    stream_options: noop('include_obfuscation: the gateway sends no obfuscation padding.'),
    include: yes('See the include table.'),
    previous_response_id: yes(
      'Rebuilds the stored conversation (input, output, tool calls and outputs, reasoning); instructions are not inherited.',
    ),
    background: yes(
      'Runs without a client; poll with GET, cancel, resume the stream with starting_after (needs store).',
    ),
    truncation: yes(
      "Measured against the model's max_model_len with the backend's /tokenize: 'auto' drops the oldest turns (x-responses-truncation says what), 'disabled' is a 400 context_length_exceeded before the backend is called.",
    ),
    conversation: yes(
      "The conversation's items come first; a completed response appends its input and output items (docs/state.md).",
    ),
    prompt: no('Stored prompt templates are not implemented.'),
    context_management: noop('No server-side compaction; the context is sent as given.'),
    moderation: no('No moderation model runs in the gateway.'),
  },
  tools: {
    function: yes('Called by the model, run by the client.'),
    custom: yes(
      `${CLIENT_RUN} a custom_tool_call with the text in \`input\` (streamed as custom_tool_call_input events). A grammar or regex format is described to the model but NOT enforced: the backend decodes without the grammar.`,
    ),
    namespace: yes(
      `Each function/custom tool inside is offered as <namespace>__<name>; its calls come back with \`namespace\` and the plain \`name\`.`,
    ),
    local_shell: yes(`${CLIENT_RUN} a local_shell_call (action.command, env, timeout_ms, working_directory).`),
    shell: yes(
      `With a local environment (or none): ${CLIENT_RUN} a shell_call (action.commands). A container environment is a hosted tool.`,
    ),
    apply_patch: yes(`${CLIENT_RUN} an apply_patch_call (operation create_file / update_file / delete_file).`),
    file_search: no(NOT_RUN),
    web_search: no(NOT_RUN),
    web_search_2025_08_26: no(NOT_RUN),
    web_search_preview: no(NOT_RUN),
    web_search_preview_2025_03_11: no(NOT_RUN),
    computer: no(NOT_RUN),
    computer_use: no(NOT_RUN),
    computer_use_preview: no(NOT_RUN),
    mcp: no(NOT_RUN),
    code_interpreter: no(NOT_RUN),
    image_generation: no(NOT_RUN),
    tool_search: no(NOT_RUN),
    programmatic_tool_calling: no(NOT_RUN),
  },
  toolChoice: {
    function: yes('Forces a call to the named function.'),
    custom: yes('Forces a call to the named custom tool.'),
    allowed_tools: yes('Restricts the tools offered to the backend.'),
  },
  include: {
    'reasoning.encrypted_content': yes('Reasoning sealed with AES-256-GCM (H4).'),
    'message.output_text.logprobs': yes('From backend logprobs (M4).'),
    'message.input_image.image_url': yes('Input image URLs are kept in stored input items (M4).'),
    'file_search_call.results': noop(`No effect: ${NOT_RUN}`),
    'web_search_call.results': noop(`No effect: ${NOT_RUN}`),
    'web_search_call.action.sources': noop(`No effect: ${NOT_RUN}`),
    'computer_call_output.output.image_url': noop(`No effect: ${NOT_RUN}`),
    'code_interpreter_call.outputs': noop(`No effect: ${NOT_RUN}`),
  },
  inputItems: {
    message: yes('Becomes a chat message.'),
    function_call: yes('Becomes an assistant tool call.'),
    function_call_output: yes('Becomes a tool message.'),
    reasoning: yes('Restored for the backend when it carries text or verified encrypted content.'),
    compaction: yes(
      'The encrypted_content of POST /v1/responses/compact is verified, opened and given to the model as a developer message (X3).',
    ),
    item_reference: yes(
      'Replaced by the stored item of that id (a stored response or a conversation of the same owner).',
    ),
    custom_tool_call: yes('Becomes an assistant tool call (arguments {"input": …}).'),
    custom_tool_call_output: yes('Becomes a tool message.'),
    local_shell_call: yes('Becomes an assistant tool call of local_shell.'),
    local_shell_call_output: yes('Becomes a tool message.'),
    shell_call: yes('Becomes an assistant tool call of shell.'),
    shell_call_output: yes('Becomes a tool message (stdout, stderr and outcome of each command).'),
    apply_patch_call: yes('Becomes an assistant tool call of apply_patch.'),
    apply_patch_call_output: yes('Becomes a tool message (status and output).'),
  },
};

/** An input item type absent from the table is a built-in tool item the gateway cannot replay. */
const UNKNOWN_ITEM: Capability = no('Items of built-in tools the gateway does not run cannot be replayed.');
const UNKNOWN_TOOL: Capability = no('Unknown tool type.');

function isUsed(value: unknown, usedWhen: Capability['usedWhen']): boolean {
  if (usedWhen === 'true') return value === true;
  return value !== undefined && value !== null;
}

/** The unsupported parameters of each table, listed once: every create request is checked against them. */
const UNSUPPORTED_PARAMETERS = new WeakMap<CapabilityTable['parameters'], readonly [string, Capability][]>();

function unsupportedParameters(table: CapabilityTable): readonly [string, Capability][] {
  let list = UNSUPPORTED_PARAMETERS.get(table.parameters);
  if (list === undefined) {
    list = Object.entries(table.parameters).filter(([, cap]) => cap.status === 'unsupported');
    UNSUPPORTED_PARAMETERS.set(table.parameters, list);
  }
  return list;
}

/**
 * Throws `unsupported_parameter` for the first thing in the request that the table marks
 * unsupported. Run after validateCreateRequest (it relies on the validated shape).
 */
export function assertSupported(request: CreateResponseRequest, table: CapabilityTable = DEFAULT_CAPABILITIES): void {
  const body = request as unknown as Record<string, unknown>;
  for (const [param, cap] of unsupportedParameters(table)) {
    if (isUsed(body[param], cap.usedWhen)) throw errors.unsupportedParameter(param, cap.reason);
  }
  const tools = (body.tools ?? []) as Array<{ type: string }>;
  tools.forEach((tool, i) => {
    const cap = table.tools[tool.type] ?? UNKNOWN_TOOL;
    if (cap.status === 'unsupported')
      throw errors.unsupportedParameter(`tools[${i}].type`, `Tool type '${tool.type}': ${cap.reason}`);
  });
  const choice = body.tool_choice;
  if (typeof choice === 'object' && choice !== null) {
    const type = (choice as { type: string }).type;
    const cap = table.toolChoice[type] ?? table.tools[type] ?? UNKNOWN_TOOL;
    if (cap.status === 'unsupported')
      throw errors.unsupportedParameter('tool_choice.type', `Tool type '${type}': ${cap.reason}`);
  }
  const include = (body.include ?? []) as string[];
  include.forEach((value, i) => {
    const cap = table.include[value];
    if (cap !== undefined && cap.status === 'unsupported')
      throw errors.unsupportedParameter(`include[${i}]`, `'${value}': ${cap.reason}`);
  });
  if (Array.isArray(body.input)) {
    (body.input as Array<{ type?: string | null; role?: unknown }>).forEach((item, i) => {
      const type = itemType(item);
      const cap = table.inputItems[type] ?? UNKNOWN_ITEM;
      if (cap.status === 'unsupported')
        throw errors.unsupportedParameter(`input[${i}].type`, `Input item type '${type}': ${cap.reason}`);
    });
  }
}

/** The schema's rule for items without `type`: role/content → message, otherwise an item reference. */
function itemType(item: { type?: string | null; role?: unknown; content?: unknown }): string {
  if (typeof item.type === 'string') return item.type;
  if (item.type === null) return 'item_reference';
  return item.role !== undefined || item.content !== undefined ? 'message' : 'item_reference';
}

export interface CapabilityReport extends CapabilityTable {
  object: 'capabilities';
}

/** The table as served by `GET /v1/capabilities` (a deep copy: callers may add fields). */
export function capabilityReport(table: CapabilityTable = DEFAULT_CAPABILITIES): CapabilityReport {
  return { object: 'capabilities', ...(structuredClone(table) as CapabilityTable) };
}
