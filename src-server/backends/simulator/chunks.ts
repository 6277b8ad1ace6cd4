/**
 * vLLM's wire shapes for a planned reply: pre-serialized SSE chunk strings for streaming (one
 * shared prefix per response, one JSON.stringify per delta) and the non-streaming body.
 */
import type { Prng } from './prng.js';
import type { ReplyPlan } from './reply.js';

export interface Envelope {
  id: string;
  created: number;
  model: string;
}

export interface UsageNumbers {
  promptTokens: number;
  cachedTokens: number;
}

/** The stream as whole SSE strings. `deltas` are paced one per tick; `tail` follows the last one. */
export interface SerializedStream {
  head: string;
  deltas: string[];
  tail: string;
}

const ALTERNATIVES = [' the', ' a', ',', '.', ' and', ' of', ' to', ' it'];

interface Logprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

function bytesOf(text: string): number[] {
  return Array.from(Buffer.from(text, 'utf8'));
}

export function tokenLogprob(rng: Prng, token: string, top: number): Logprob {
  const logprob = -Math.round(rng.next() * 150) / 100;
  const top_logprobs = [];
  if (top > 0) top_logprobs.push({ token, logprob, bytes: bytesOf(token) });
  for (let i = 1; i < top; i++) {
    const alt = ALTERNATIVES[(i - 1) % ALTERNATIVES.length] + (i > ALTERNATIVES.length ? String(i) : '');
    top_logprobs.push({ token: alt, logprob: logprob - i - Math.round(rng.next() * 100) / 100, bytes: bytesOf(alt) });
  }
  return { token, logprob, bytes: bytesOf(token), top_logprobs };
}

function usageJson(plan: ReplyPlan, u: UsageNumbers): Record<string, unknown> {
  return {
    prompt_tokens: u.promptTokens,
    total_tokens: u.promptTokens + plan.completionTokens,
    completion_tokens: plan.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
    completion_tokens_details: { reasoning_tokens: plan.reasoningTokens },
  };
}

export interface SerializeOptions {
  reasoningField: 'reasoning' | 'reasoning_content';
  logprobs: boolean;
  topLogprobs: number;
  includeUsage: boolean;
}

export function serializeStream(
  env: Envelope,
  plan: ReplyPlan,
  usage: UsageNumbers,
  opts: SerializeOptions,
  rng: Prng,
): SerializedStream {
  const prefix = `data: {"id":${JSON.stringify(env.id)},"object":"chat.completion.chunk","created":${env.created},"model":${JSON.stringify(env.model)},"choices":[{"index":0,"delta":`;
  const plain = `,"logprobs":null,"finish_reason":null}]}\n\n`;
  const chunk = (delta: string, logprobs = 'null'): string =>
    logprobs === 'null'
      ? prefix + delta + plain
      : `${prefix}${delta},"logprobs":${logprobs},"finish_reason":null}]}\n\n`;

  const head = chunk('{"role":"assistant","content":""}');
  const deltas: string[] = [];
  const rkey = JSON.stringify(opts.reasoningField);
  for (const t of plan.reasoning) deltas.push(chunk(`{${rkey}:${JSON.stringify(t)}}`));
  for (const t of plan.content) {
    const lp = opts.logprobs ? JSON.stringify({ content: [tokenLogprob(rng, t, opts.topLogprobs)] }) : 'null';
    deltas.push(chunk(`{"content":${JSON.stringify(t)}}`, lp));
  }
  const tails: { index: number; function: { arguments: string } }[] = [];
  plan.toolCalls.forEach((call, index) => {
    deltas.push(
      chunk(JSON.stringify({ tool_calls: [{ id: call.id, type: 'function', index, function: { name: call.name } }] })),
    );
    for (const p of call.pieces)
      deltas.push(chunk(JSON.stringify({ tool_calls: [{ index, function: { arguments: p } }] })));
    if (call.tail) tails.push({ index, function: { arguments: call.tail } });
  });
  const finishDelta = tails.length > 0 ? JSON.stringify({ tool_calls: tails }) : '{}';
  let tail = `${prefix}${finishDelta},"logprobs":null,"finish_reason":${JSON.stringify(plan.finish)},"stop_reason":null}]}\n\n`;
  if (opts.includeUsage) {
    tail += `data: ${JSON.stringify({ id: env.id, object: 'chat.completion.chunk', created: env.created, model: env.model, choices: [], usage: usageJson(plan, usage) })}\n\n`;
  }
  tail += 'data: [DONE]\n\n';
  return { head, deltas, tail };
}

export function completionBody(
  env: Envelope,
  plan: ReplyPlan,
  usage: UsageNumbers,
  opts: SerializeOptions,
  rng: Prng,
): string {
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: plan.toolCalls.length > 0 && plan.content.length === 0 ? null : plan.content.join(''),
  };
  if (plan.reasoning.length > 0) message[opts.reasoningField] = plan.reasoning.join('');
  message.tool_calls = plan.toolCalls.map((c) => ({
    id: c.id,
    type: 'function',
    function: { name: c.name, arguments: c.pieces.join('') + c.tail },
  }));
  const logprobs = opts.logprobs ? { content: plan.content.map((t) => tokenLogprob(rng, t, opts.topLogprobs)) } : null;
  return JSON.stringify({
    id: env.id,
    object: 'chat.completion',
    created: env.created,
    model: env.model,
    choices: [{ index: 0, message, logprobs, finish_reason: plan.finish, stop_reason: null }],
    usage: usageJson(plan, usage),
    prompt_logprobs: null,
  });
}
