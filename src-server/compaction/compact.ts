/**
 * Compaction (X3, docs/state.md#compaction): `POST /v1/responses/compact` turns a conversation
 * (`input`, and/or the stored chain of `previous_response_id`) into a shorter input window:
 * the user messages kept verbatim, then one `compaction` item whose `encrypted_content` is a
 * summary the backend model wrote, sealed with the reasoning keyring (H4) for the caller's owner.
 * Sent back as input (HTTP or WebSocket), the item is verified, opened and given to the model as
 * a developer message (engine/conversation.ts). Nothing is stored: the result has an id but is
 * not a response that can be fetched or continued by id.
 *
 * The summary is one ordinary backend call (a non-streaming run of the engine): its usage is the
 * result's `usage`; a backend failure is the request's error.
 */
import type { CancelSignal } from '../cancel/cancel.js';
import type { BackendAdapter } from '../backends/contract.js';
import type { GatewayConfig } from '../config/flags.js';
import type { ReasoningKeyring } from '../crypto/reasoning-seal.js';
import type { ResponseObject } from '../engine/contract.js';
import { inputAsItems, prepareConversation, type ContextStores } from '../engine/conversation.js';
import { newMessageId, newResponseId, randomHex } from '../ids/ids.js';
import { startResponseRun } from '../engine/response-run.js';
import { assertSupported } from '../shared/protocol/capabilities.js';
import { errors } from '../shared/protocol/errors.js';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import { validateCreateRequest } from '../shared/protocol/validate-request.js';
import type { Logger } from '../logging/logger.js';
import type { Principal } from '../tenancy/owner.js';

/** Fields of the spec's CompactResponseMethodPublicBody, plus what openai-node's ResponseCompactParams adds. */
const FIELDS = new Set(['model', 'input', 'previous_response_id', 'instructions', 'prompt_cache_key']);
/** Accepted with no effect (openai-node sends them; the backend owns its cache, tiers do not apply to a summary). */
const IGNORED = new Set(['prompt_cache_options', 'prompt_cache_retention', 'service_tier']);

export const SUMMARY_INSTRUCTIONS = [
  'You are compacting a conversation so that it can continue later from a shorter context.',
  'Write a concise summary of everything said and done so far: the goals, decisions, facts, code',
  'words, names, numbers, tool calls and their results, and what remains to be done. Keep every',
  'detail a later turn could need. Write only the summary.',
].join(' ');
const SUMMARY_REQUEST = 'Summarize the conversation above for a later continuation.';

type Item = Record<string, unknown>;

export interface CompactionResult {
  id: string;
  object: 'response.compaction';
  created_at: number;
  output: Item[];
  usage: NonNullable<ResponseObject['usage']>;
}

export interface CompactionDeps {
  config: GatewayConfig;
  backend: BackendAdapter;
  /** The response and conversation stores a compacted conversation is read from. */
  store: ContextStores;
  keyring: ReasoningKeyring;
}

export interface CompactionContext {
  requestId: string;
  logger: Logger;
  principal: Principal;
  backendHeaders?: Record<string, string>;
  signal: CancelSignal;
  startedAt: number;
}

/** Checks the body; returns it as a create request (input items validated by the same schema). */
export function compactionRequest(body: unknown, config: GatewayConfig): CreateResponseRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw errors.invalidBody(Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body);
  const fields = body as Record<string, unknown>;
  const create: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (FIELDS.has(key)) create[key] = value;
    else if (!IGNORED.has(key) && config.compat !== 'lenient') throw errors.unknownParameter(key);
  }
  if (create.model === undefined || create.model === null) throw errors.missingRequired('model');
  if (typeof create.model !== 'string') throw errors.invalidType('model', 'a string');
  if (typeof create.prompt_cache_key === 'string' && create.prompt_cache_key.length > 64)
    throw errors.invalidValue('prompt_cache_key', "'prompt_cache_key' is longer than 64 characters.");
  const { request } = validateCreateRequest(create, { compat: config.compat });
  assertSupported(request);
  if (inputAsItems(request.input).length === 0 && typeof request.previous_response_id !== 'string')
    throw errors.missingRequired('input');
  return request;
}

export async function compact(
  request: CreateResponseRequest,
  deps: CompactionDeps,
  ctx: CompactionContext,
): Promise<CompactionResult> {
  const prepared = await prepareConversation(request, deps.store, deps.keyring, ctx.principal);
  // The whole conversation the model sees, compaction items opened into their summaries.
  const conversation = inputAsItems(prepared.request.input);
  const summaryRequest: CreateResponseRequest = {
    model: request.model,
    instructions: [request.instructions, SUMMARY_INSTRUCTIONS].filter(Boolean).join('\n\n'),
    input: [
      ...conversation,
      { type: 'message', role: 'user', content: SUMMARY_REQUEST },
    ] as unknown as CreateResponseRequest['input'],
    store: false,
    ...(request.prompt_cache_key ? { prompt_cache_key: request.prompt_cache_key } : {}),
  };
  const run = await startResponseRun(summaryRequest, deps.backend, {
    requestId: ctx.requestId,
    logger: ctx.logger,
    dialect: 'openai',
    extensions: false,
    signal: ctx.signal,
    config: deps.config,
    startedAt: ctx.startedAt,
    ...(ctx.backendHeaders ? { backendHeaders: ctx.backendHeaders } : {}),
  });
  const final = await run.finished;
  if (final.status !== 'completed') {
    const reason = final.error?.message ?? final.incomplete_details?.reason ?? final.status;
    throw errors.backendProtocol(`The backend did not finish the summary of the conversation: ${reason}`);
  }
  const summary = outputText(final);
  const token = deps.keyring.seal(
    {
      model: final.model,
      created_at: Math.floor(Date.now() / 1000),
      content: [{ type: 'reasoning_text', text: summary }],
      summary: [],
      kind: 'compaction',
    },
    ctx.principal.owner,
  );
  return {
    id: newResponseId(),
    object: 'response.compaction',
    created_at: Math.floor(Date.now() / 1000),
    output: [
      // OpenAI's shape: every user message verbatim, then one compaction item.
      ...conversation.filter(isUserMessage).map(asOutputMessage),
      { id: `cmp_${randomHex(16)}`, type: 'compaction', encrypted_content: token },
    ],
    usage: final.usage as NonNullable<ResponseObject['usage']>,
  };
}

function isUserMessage(item: Item): boolean {
  return (item.type === 'message' || item.type === undefined) && item.role === 'user';
}

/** A kept user message in the output's Message shape (id, status, content parts). */
function asOutputMessage(item: Item): Item {
  const content =
    typeof item.content === 'string' ? [{ type: 'input_text', text: item.content }] : (item.content as unknown[]);
  return {
    id: typeof item.id === 'string' ? item.id : newMessageId(),
    type: 'message',
    status: 'completed',
    role: 'user',
    content,
  };
}

function outputText(response: ResponseObject): string {
  const parts: string[] = [];
  for (const item of response.output as unknown as Item[]) {
    if (item.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const part of item.content as Item[]) if (part.type === 'output_text') parts.push(String(part.text));
  }
  return parts.join('');
}
