/**
 * Responses request → neutral ModelRequest (backends/contract.ts): the gateway's own items, checked
 * (what no backend can take is a 400 naming its param), with client tools as the functions the
 * model was offered. No wire format here: each backend adapter's request.ts makes its own body
 * (Chat Completions messages, vLLM's Responses input). Stateless: history comes in as input items
 * (a `previous_response_id` chain is expanded into items before this runs).
 */
import type {
  ResponseFunctionCallOutputItemList,
  ResponseInputItem,
  ResponseInputMessageContentList,
  ResponseOutputMessage,
  ResponseReasoningItem,
} from 'openai/resources/responses/responses';
import type {
  ModelContentPart,
  ModelInputItem,
  ModelRequest,
  ModelResponseFormat,
  ModelTool,
  ModelToolChoice,
} from '../backends/contract.js';
import { errors } from '../shared/protocol/errors.js';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import { ToolCatalog, callArguments, patchOutputText, shellOutputText, type ClientToolKind } from './client-tools.js';

export interface TranslateOptions {
  /** Used when the request names no model (e.g. an Azure deployment already resolved). */
  defaultModel?: string;
  /** Headers forwarded to the backend. */
  headers?: Record<string, string>;
  /** vLLM scheduling priority resolved from `service_tier` by the caller. */
  priority?: number;
  /** The request's client tools (built from `request.tools` when absent). */
  catalog?: ToolCatalog;
}

const LOGPROBS_INCLUDE = 'message.output_text.logprobs';

/** Content parts of a message item, loosely typed: clients send parts the SDK types do not list. */
type LoosePart = {
  type?: string;
  text?: string;
  refusal?: string;
  image_url?: string | null;
  file_id?: string | null;
  detail?: string | null;
};

export function toModelRequest(request: CreateResponseRequest, options: TranslateOptions = {}): ModelRequest {
  const model = request.model ?? options.defaultModel;
  if (!model) throw errors.missingRequired('model');

  const catalog = options.catalog ?? new ToolCatalog(request.tools);
  const input: ModelInputItem[] = [];
  if (typeof request.input === 'string') {
    input.push({ type: 'message', role: 'user', content: request.input });
  } else if (Array.isArray(request.input)) {
    appendItems(input, request.input, catalog);
  } else if (request.input !== undefined && request.input !== null) {
    throw errors.invalidType('input', 'a string or an array of input items');
  }

  const out: ModelRequest = { model, input };
  if (request.instructions) out.instructions = request.instructions;
  const { tools, toolChoice } = translateTools(request, catalog);
  if (tools) out.tools = tools;
  if (toolChoice) out.toolChoice = toolChoice;
  if (typeof request.parallel_tool_calls === 'boolean') out.parallelToolCalls = request.parallel_tool_calls;
  const format = translateFormat(request);
  if (format) out.responseFormat = format;
  const effort = request.reasoning?.effort;
  if (effort) {
    if (effort === 'max')
      throw errors.unsupportedValue(
        'reasoning.effort',
        "Reasoning effort 'max' is not supported by the backend; use one of none, minimal, low, medium, high, xhigh.",
      );
    out.reasoningEffort = effort;
  }
  if (typeof request.temperature === 'number') out.temperature = request.temperature;
  if (typeof request.top_p === 'number') out.topP = request.top_p;
  if (typeof request.max_output_tokens === 'number') out.maxOutputTokens = request.max_output_tokens;
  if (request.include?.includes(LOGPROBS_INCLUDE)) {
    out.logprobs = true;
    if (typeof request.top_logprobs === 'number') out.topLogprobs = request.top_logprobs;
  }
  const user = request.safety_identifier ?? request.user;
  if (user) out.user = user;
  if (request.prompt_cache_key) out.cacheSalt = request.prompt_cache_key;
  if (options.priority !== undefined) out.priority = options.priority;
  if (options.headers && Object.keys(options.headers).length > 0) out.headers = { ...options.headers };
  return out;
}

/** Client tool call items and the tool kind whose backend name they replay as. */
const CALL_ITEMS: Record<string, ClientToolKind> = {
  function_call: 'function',
  custom_tool_call: 'custom',
  local_shell_call: 'local_shell',
  shell_call: 'shell',
  apply_patch_call: 'apply_patch',
};

function appendItems(input: ModelInputItem[], items: ResponseInputItem[], catalog: ToolCatalog): void {
  /** local_shell_call_output names its call by the call's item id: item id → call_id. */
  const callIdsByItemId = new Map<string, string>();

  items.forEach((item, i) => {
    const param = `input[${i}]`;
    const type = (item as { type?: string }).type ?? ('role' in item ? 'message' : undefined);
    switch (type) {
      case 'message': {
        const msg = item as {
          role: string;
          content: string | ResponseInputMessageContentList | ResponseOutputMessage['content'];
        };
        if (msg.role === 'assistant') {
          input.push({
            type: 'message',
            role: 'assistant',
            content: messageContent(msg.content, param, ASSISTANT_PARTS),
          });
        } else if (msg.role === 'user') {
          input.push({ type: 'message', role: 'user', content: messageContent(msg.content, param, USER_PARTS) });
        } else if (msg.role === 'system' || msg.role === 'developer') {
          input.push({ type: 'message', role: msg.role, content: messageContent(msg.content, param, TEXT_PARTS) });
        } else {
          throw errors.invalidValue(
            `${param}.role`,
            `Invalid value for '${param}.role': '${String(msg.role)}'. Supported values are: 'user', 'assistant', 'system' and 'developer'.`,
          );
        }
        return;
      }
      case 'function_call':
      case 'custom_tool_call':
      case 'local_shell_call':
      case 'shell_call':
      case 'apply_patch_call': {
        const call = item as unknown as Record<string, unknown> & { call_id: string; id?: string | null };
        const kind = CALL_ITEMS[type];
        const name =
          kind === 'function' || kind === 'custom'
            ? catalog.modelNameOf(kind, String(call.name), call.namespace as string | undefined)
            : catalog.builtInName(kind);
        if (typeof call.id === 'string') callIdsByItemId.set(call.id, call.call_id);
        input.push({ type: 'function_call', callId: call.call_id, name, arguments: callArguments(call) });
        return;
      }
      case 'function_call_output': {
        const output = item as { call_id: string; output: string | ResponseFunctionCallOutputItemList };
        input.push({
          type: 'function_call_output',
          callId: output.call_id,
          output: toolOutputContent(output.output, `${param}.output`),
        });
        return;
      }
      case 'custom_tool_call_output':
      case 'local_shell_call_output':
      case 'shell_call_output':
      case 'apply_patch_call_output': {
        const output = item as unknown as Record<string, unknown>;
        let callId = String(output.call_id ?? '');
        let content: string | ModelContentPart[];
        if (type === 'local_shell_call_output') {
          const id = String(output.id);
          callId = callIdsByItemId.get(id) ?? (typeof output.call_id === 'string' ? output.call_id : id);
          content = String(output.output);
        } else if (type === 'shell_call_output') {
          content = shellOutputText(output.output as Record<string, unknown>[]);
        } else if (type === 'apply_patch_call_output') {
          content = patchOutputText(output);
        } else {
          content = toolOutputContent(output.output, `${param}.output`);
        }
        input.push({ type: 'function_call_output', callId, output: content });
        return;
      }
      case 'reasoning': {
        const text = reasoningText(item as ResponseReasoningItem);
        if (text) input.push({ type: 'reasoning', text });
        return;
      }
      default:
        throw errors.unsupportedValue(
          `${param}.type`,
          `Input items of type '${String(type)}' are not supported by this gateway.`,
        );
    }
  });
}

function reasoningText(item: ResponseReasoningItem): string {
  const content = (item.content ?? []).map((c) => c.text).join('');
  if (content) return content;
  return (item.summary ?? []).map((s) => s.text).join('\n\n');
}

/** Which content parts a message role (or a tool output) accepts; anything else is refused with its param. */
interface ContentRule {
  /** Part types taken as text. */
  text: readonly string[];
  images?: boolean;
  refusals?: boolean;
}

/** User messages: text and images. */
const USER_PARTS: ContentRule = { text: ['input_text', 'output_text'], images: true };
/** System and developer messages: text only. */
const TEXT_PARTS: ContentRule = { text: ['input_text', 'output_text'] };
/** Assistant messages sent back: their text and refusals. */
const ASSISTANT_PARTS: ContentRule = { text: ['output_text', 'input_text'], refusals: true };
/** Tool outputs: input text and images. */
const TOOL_OUTPUT_PARTS: ContentRule = { text: ['input_text'], images: true };

function unsupportedPart(param: string, part: LoosePart): never {
  throw errors.unsupportedValue(
    `${param}.type`,
    `Content parts of type '${String(part.type)}' are not supported here.`,
  );
}

function imagePart(part: LoosePart, param: string): ModelContentPart {
  if (!part.image_url) {
    if (part.file_id)
      throw errors.unsupportedParameter(
        `${param}.file_id`,
        'Images by file id are not supported: send image_url with a URL or a data URL.',
      );
    throw errors.missingRequired(`${param}.image_url`);
  }
  // The backends know auto/low/high; 'original' is the closest to 'high'.
  const detail = part.detail === 'low' || part.detail === 'auto' ? part.detail : part.detail ? 'high' : undefined;
  return detail ? { type: 'image', url: part.image_url, detail } : { type: 'image', url: part.image_url };
}

/** Content parts as the backend takes them; `at(j)` is the param of part j. */
function contentParts(parts: LoosePart[], at: (j: number) => string, rule: ContentRule): ModelContentPart[] {
  return parts.map((part, j): ModelContentPart => {
    if (rule.text.includes(String(part.type))) return { type: 'text', text: part.text ?? '' };
    if (rule.images && part.type === 'input_image') return imagePart(part, at(j));
    if (rule.refusals && part.type === 'refusal') return { type: 'refusal', text: part.refusal ?? '' };
    return unsupportedPart(at(j), part);
  });
}

/** A message's `content`: a string, or its parts under `<param>.content[j]`. */
function messageContent(content: unknown, param: string, rule: ContentRule): string | ModelContentPart[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw errors.invalidType(`${param}.content`, 'a string or an array of content parts');
  return contentParts(content as LoosePart[], (j) => `${param}.content[${j}]`, rule);
}

/** A tool output: a string, or its parts under `<param>[j]`. */
function toolOutputContent(output: unknown, param: string): string | ModelContentPart[] {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) throw errors.invalidType(param, 'a string or an array of content parts');
  return contentParts(output as LoosePart[], (j) => `${param}[${j}]`, TOOL_OUTPUT_PARTS);
}

function translateTools(
  request: CreateResponseRequest,
  catalog: ToolCatalog,
): { tools?: ModelTool[]; toolChoice?: ModelToolChoice } {
  const tools = catalog.modelTools();
  const choice = request.tool_choice;
  const result: { tools?: ModelTool[]; toolChoice?: ModelToolChoice } = {};
  if (tools.length > 0) result.tools = tools;
  if (choice === undefined || choice === null) return result;
  if (choice === 'none' || choice === 'auto' || choice === 'required') {
    result.toolChoice = choice;
    return result;
  }
  const named = forcedTool(choice as { type: string; name?: unknown }, catalog);
  if (named !== undefined) {
    if (!tools.some((t) => t.name === named.modelName))
      throw errors.invalidValue('tool_choice', `Tool choice '${named.label}' not found in 'tools' parameter.`);
    result.toolChoice = { name: named.modelName };
    return result;
  }
  if (choice.type === 'allowed_tools') {
    const allowed = choice as { mode: 'auto' | 'required'; tools: { type?: unknown; name?: unknown }[] };
    const names = new Set<string>();
    allowed.tools.forEach((t, i) => {
      const ref = forcedTool(t as { type: string; name?: unknown }, catalog);
      if (ref === undefined)
        throw errors.unsupportedValue(
          `tool_choice.tools[${i}]`,
          'Only function, custom, shell, local_shell and apply_patch tools can be allowed.',
        );
      if (!tools.some((tool) => tool.name === ref.modelName))
        throw errors.invalidValue(
          `tool_choice.tools[${i}].name`,
          `Allowed tool '${ref.label}' not found in 'tools' parameter.`,
        );
      names.add(ref.modelName);
    });
    const filtered = tools.filter((t) => names.has(t.name));
    if (filtered.length > 0) result.tools = filtered;
    else delete result.tools;
    result.toolChoice = allowed.mode === 'required' ? 'required' : 'auto';
    return result;
  }
  throw errors.unsupportedValue(
    'tool_choice.type',
    `Tool choice of type '${choice.type}' is not supported by this gateway.`,
  );
}

/** The backend function a tool_choice (or an allowed_tools entry) names; undefined for other types. */
function forcedTool(
  ref: { type: string; name?: unknown; namespace?: unknown },
  catalog: ToolCatalog,
): { modelName: string; label: string } | undefined {
  if ((ref.type === 'function' || ref.type === 'custom') && typeof ref.name === 'string') {
    const namespace = typeof ref.namespace === 'string' ? ref.namespace : undefined;
    return { modelName: catalog.modelNameOf(ref.type, ref.name, namespace), label: ref.name };
  }
  if (ref.type === 'shell' || ref.type === 'local_shell' || ref.type === 'apply_patch')
    return { modelName: catalog.builtInName(ref.type), label: ref.type };
  return undefined;
}

function translateFormat(request: CreateResponseRequest): ModelResponseFormat | undefined {
  const format = request.text?.format;
  if (!format) return undefined;
  if (format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type === 'json_schema') {
    const out: ModelResponseFormat = { type: 'json_schema', name: format.name, schema: format.schema };
    if (typeof format.strict === 'boolean') out.strict = format.strict;
    if (format.description) out.description = format.description;
    return out;
  }
  throw errors.unsupportedValue(
    'text.format.type',
    `Text format '${String((format as { type?: unknown }).type)}' is not supported.`,
  );
}
