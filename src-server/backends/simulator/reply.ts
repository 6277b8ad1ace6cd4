/**
 * What the simulated model says: a deterministic plan (reasoning tokens, content tokens, tool calls
 * with argument fragments, finish reason) computed from the request and a seeded PRNG. The server
 * turns the plan into vLLM-shaped chunks; this file knows nothing about HTTP.
 */
import { Prng } from './prng.js';
import { SchemaValueError, valueForSchema } from './schema-value.js';
import { contentText, tokenize, type PromptMessage } from './tokenizer.js';

export interface SimTool {
  type?: string;
  function?: { name?: string; description?: string; parameters?: Record<string, unknown> };
}

/** The fields of a Chat Completions request the simulator reads. */
export interface SimRequest {
  model?: string;
  messages?: PromptMessage[];
  tools?: SimTool[];
  tool_choice?: 'none' | 'auto' | 'required' | { type?: string; function?: { name?: string } };
  parallel_tool_calls?: boolean;
  response_format?: { type?: string; json_schema?: { name?: string; schema?: Record<string, unknown> } };
  reasoning_effort?: string;
  chat_template_kwargs?: { enable_thinking?: boolean };
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  logprobs?: boolean;
  top_logprobs?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  cache_salt?: string;
}

export interface PlannedToolCall {
  id: string;
  name: string;
  /** Argument fragments streamed one per chunk after the start fragment. */
  pieces: string[];
  /** The rest of the arguments, sent at once in the finish chunk (as vLLM sometimes does). */
  tail: string;
}

export interface ReplyPlan {
  reasoning: string[];
  content: string[];
  toolCalls: PlannedToolCall[];
  finish: 'stop' | 'length' | 'tool_calls';
  completionTokens: number;
  reasoningTokens: number;
}

export interface ModelTraits {
  /** Reasoning field in deltas, or undefined for a model that does not reason by default. */
  reasoningField?: 'reasoning' | 'reasoning_content';
}

const OPENERS = ['Here is a short answer.', 'Good question.', 'Let me help with that.', 'Happy to explain.'];
const SENTENCES = [
  'The simulator keeps its answers short and predictable.',
  'Every token arrives as its own streaming delta.',
  'The same seed and request always produce the same reply.',
  'Latency and faults can be chosen per request.',
  'This reply is generated locally without a GPU.',
  'Tool calls, reasoning and structured output are all supported.',
  'Usage numbers come from a simple deterministic tokenizer.',
  'Nothing here depends on the wall clock.',
];
const THOUGHTS = [
  'I should answer briefly and clearly.',
  'The request does not need any external data.',
  'A short structured reply will work best.',
  'I will restate the question before answering.',
  'Let me check which details matter most.',
];
const EFFORT_SENTENCES: Record<string, number> = { none: 0, minimal: 1, low: 1, medium: 2, high: 4, xhigh: 5 };

function snippet(text: string, words = 12): string {
  const parts = text.replace(/\s+/g, ' ').trim().split(' ');
  const head = parts.slice(0, words).join(' ');
  return parts.length > words ? `${head}…` : head;
}

function lastUserText(messages: readonly PromptMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--)
    if (messages[i].role === 'user') return contentText(messages[i].content);
  return '';
}

/** Splits tokens into fragments of 1–3 tokens, like a tool parser streaming arguments. */
function fragments(rng: Prng, tokens: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length;) {
    const n = Math.min(tokens.length - i, rng.int(1, 3));
    out.push(tokens.slice(i, i + n).join(''));
    i += n;
  }
  return out;
}

/** A tool the request asked the simulator to call (x-simulator-tool), with optional arguments. */
export interface ForcedTool {
  name: string;
  /** A JSON object text; generated from the tool's schema when absent. */
  arguments?: string;
}

/** The request named a tool the simulator was not offered (answered with a 400). */
export class ForcedToolError extends Error {}

function chooseTools(request: SimRequest, rng: Prng, forced: ForcedTool | undefined): SimTool[] {
  const tools = (request.tools ?? []).filter((t) => typeof t.function?.name === 'string');
  const choice = request.tool_choice ?? 'auto';
  const messages = request.messages ?? [];
  if (forced) {
    const tool = tools.find((t) => t.function?.name === forced.name);
    if (!tool)
      throw new ForcedToolError(
        `x-simulator-tool names '${forced.name}', which is not among the tools offered (${tools.map((t) => String(t.function?.name)).join(', ') || 'none'}).`,
      );
    if (choice === 'none' || messages.length === 0 || messages[messages.length - 1].role !== 'user') return [];
    return [tool];
  }
  if (tools.length === 0 || choice === 'none' || messages.length === 0 || messages[messages.length - 1].role !== 'user')
    return [];
  if (typeof choice === 'object') return tools.filter((t) => t.function?.name === choice.function?.name).slice(0, 1);
  const text = lastUserText(messages).toLowerCase();
  const mentioned = tools.filter((t) => {
    const name = String(t.function?.name).toLowerCase();
    return text.includes(name) || text.includes(name.replace(/_/g, ' '));
  });
  if (mentioned.length === 0) return [rng.pick(tools)];
  return request.parallel_tool_calls === false ? mentioned.slice(0, 1) : mentioned;
}

function toolResultsAnswer(messages: readonly PromptMessage[]): string | undefined {
  if (messages.length === 0 || messages[messages.length - 1].role !== 'tool') return undefined;
  const names = new Map<string, string>();
  for (const m of messages) {
    if (m.role === 'assistant' && Array.isArray(m.tool_calls)) {
      for (const c of m.tool_calls as { id?: string; function?: { name?: string } }[])
        if (c.id && c.function?.name) names.set(c.id, c.function.name);
    }
  }
  const quotes: string[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i].role === 'tool'; i--) {
    const m = messages[i] as PromptMessage & { tool_call_id?: string };
    const name = (m.tool_call_id && names.get(m.tool_call_id)) || 'the tool';
    quotes.unshift(`${name} returned ${contentText(m.content).slice(0, 500)}`);
  }
  return `Based on the tool results: ${quotes.join('; ')}. That answers your request.`;
}

function proseReply(rng: Prng, messages: readonly PromptMessage[], deltas: number | undefined): string[] {
  const asked = snippet(lastUserText(messages));
  let text = asked ? `You asked: "${asked}". ${rng.pick(OPENERS)}` : rng.pick(OPENERS);
  const sentences = rng.int(1, 3);
  for (let i = 0; i < sentences; i++) text += ` ${rng.pick(SENTENCES)}`;
  let tokens = tokenize(text);
  if (deltas !== undefined) {
    while (tokens.length < deltas) tokens = tokens.concat(tokenize(` ${rng.pick(SENTENCES)}`));
    tokens = tokens.slice(0, deltas);
  }
  return tokens;
}

function wantsReasoning(request: SimRequest, traits: ModelTraits): boolean {
  if (request.chat_template_kwargs?.enable_thinking === false) return false;
  if (request.reasoning_effort !== undefined) return request.reasoning_effort !== 'none';
  return traits.reasoningField !== undefined;
}

export function planReply(
  request: SimRequest,
  traits: ModelTraits,
  rng: Prng,
  deltas: number | undefined,
  forced?: ForcedTool,
): ReplyPlan {
  const messages = request.messages ?? [];
  let reasoning: string[] = [];
  if (wantsReasoning(request, traits)) {
    const asked = snippet(lastUserText(messages), 8);
    let text = asked ? `The user wrote "${asked}".` : 'There is no user message yet.';
    const count = EFFORT_SENTENCES[request.reasoning_effort ?? 'medium'] ?? 2;
    for (let i = 0; i < count; i++) text += ` ${rng.pick(THOUGHTS)}`;
    reasoning = tokenize(text);
  }

  let content: string[] = [];
  const toolCalls: PlannedToolCall[] = [];
  const format = request.response_format;
  const afterTools = toolResultsAnswer(messages);
  const tools = afterTools === undefined ? chooseTools(request, rng, forced) : [];
  if (tools.length > 0) {
    for (const tool of tools) {
      const schema = tool.function?.parameters ?? { type: 'object', properties: {} };
      const args =
        forced?.arguments ??
        JSON.stringify(
          schemaValue(rng, schema, `the parameters of tool '${String(tool.function?.name).slice(0, 64)}'`),
        );
      const pieces = fragments(rng, tokenize(args));
      const tailFrom = pieces.length > 2 && rng.next() < 0.5 ? Math.ceil(pieces.length * 0.6) : pieces.length;
      toolCalls.push({
        id: `chatcmpl-tool-${rng.hex(32)}`,
        name: String(tool.function?.name),
        pieces: pieces.slice(0, tailFrom),
        tail: pieces.slice(tailFrom).join(''),
      });
    }
  } else if (format?.type === 'json_schema' && format.json_schema?.schema) {
    const name = String(format.json_schema.name ?? 'schema').slice(0, 64);
    content = tokenize(JSON.stringify(schemaValue(rng, format.json_schema.schema, `the response format '${name}'`)));
  } else if (format?.type === 'json_object') {
    content = tokenize(
      JSON.stringify({ answer: `You asked: ${snippet(lastUserText(messages))}`, confidence: rng.int(50, 99) / 100 }),
    );
  } else if (afterTools !== undefined) {
    content = tokenize(afterTools);
  } else {
    content = proseReply(rng, messages, deltas);
  }

  return applyBudget(
    {
      reasoning,
      content,
      toolCalls,
      finish: toolCalls.length > 0 ? 'tool_calls' : 'stop',
      completionTokens: 0,
      reasoningTokens: 0,
    },
    request,
  );
}

/** A value for a client's schema; a refusal names which schema it was (the simulator answers 400). */
function schemaValue(rng: Prng, schema: Record<string, unknown>, what: string): unknown {
  try {
    return valueForSchema(rng, schema);
  } catch (e) {
    if (e instanceof SchemaValueError)
      throw new SchemaValueError(`The simulator will not generate a value for ${what}: ${e.message}.`);
    throw e;
  }
}

/** `max_tokens` / `max_completion_tokens`: cut the output and finish with `length`. */
function applyBudget(plan: ReplyPlan, request: SimRequest): ReplyPlan {
  const limit = request.max_completion_tokens ?? request.max_tokens ?? Infinity;
  const toolTokens = (c: PlannedToolCall): number => tokenize(c.pieces.join('') + c.tail).length;
  const total = plan.reasoning.length + plan.content.length + plan.toolCalls.reduce((n, c) => n + toolTokens(c), 0);
  if (total <= limit) return { ...plan, completionTokens: total, reasoningTokens: plan.reasoning.length };
  let left = limit;
  const reasoning = plan.reasoning.slice(0, left);
  left -= reasoning.length;
  const content = plan.content.slice(0, left);
  left -= content.length;
  const toolCalls: PlannedToolCall[] = [];
  for (const call of plan.toolCalls) {
    if (left <= 0) break;
    const pieces: string[] = [];
    for (const p of [...call.pieces, ...(call.tail ? [call.tail] : [])]) {
      const cost = tokenize(p).length;
      if (cost > left) break;
      pieces.push(p);
      left -= cost;
    }
    toolCalls.push({ ...call, pieces, tail: '' });
    if (pieces.length < call.pieces.length + (call.tail ? 1 : 0)) break;
  }
  return {
    reasoning,
    content,
    toolCalls,
    finish: 'length',
    completionTokens: limit - left,
    reasoningTokens: reasoning.length,
  };
}
