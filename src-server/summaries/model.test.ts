import { describe, expect, test } from 'vitest';
import { ScriptedBackend } from '../../tests/support/scripted-backend.js';
import type { ModelRequest } from '../backends/contract.js';
import { chatMessages, type ChatMessage } from '../backends/chat-completions/request.js';
import { errors, isGatewayError } from '../shared/protocol/errors.js';
import { buildSummaryRequest, resolveDetail, summarizeWithModel } from './model.js';

/** The request with its conversation as the Chat Completions adapter sends it. */
const asChat = (request: ModelRequest): ModelRequest & { messages: ChatMessage[] } => ({
  ...request,
  messages: chatMessages(request),
});

const reasoning = 'First I add 2 and 2. That gives 4. The answer is 4.';

function run(deltas: string[] = []) {
  return { signal: new AbortController().signal, requestId: 'req_sum_1', onDelta: (d: string) => deltas.push(d) };
}

describe('H3 model-mode summary request', { tags: ['H3'] }, () => {
  test('is an ordinary chat request carrying the reasoning verbatim, with the detail in the instruction', () => {
    const concise = asChat(buildSummaryRequest({ model: 'qwen3-8b', reasoning, detail: 'concise' }));
    expect(concise.model).toBe('qwen3-8b');
    expect(concise.messages).toHaveLength(2);
    expect(concise.messages[0].role).toBe('system');
    expect(concise.messages[0].content).toMatch(/one or two sentences/);
    expect(concise.messages[1]).toEqual({ role: 'user', content: `Reasoning to summarize:\n\n${reasoning}` });
    expect(concise.temperature).toBe(0);
    expect(concise.tools).toBeUndefined();

    const detailed = asChat(
      buildSummaryRequest({ model: 'qwen3-8b', reasoning, detail: 'detailed', reasoningEffort: 'low' }),
    );
    expect(detailed.messages[0].content).toMatch(/short paragraph/);
    expect(detailed.maxOutputTokens as number).toBeGreaterThan(concise.maxOutputTokens as number);
    expect(detailed.reasoningEffort).toBe('low');
    expect(buildSummaryRequest({ model: 'm', reasoning, detail: 'concise', maxOutputTokens: 7 }).maxOutputTokens).toBe(
      7,
    );
  });

  test('auto resolves by reasoning length', () => {
    expect(resolveDetail('auto', reasoning)).toBe('concise');
    expect(resolveDetail('auto', 'x'.repeat(5000))).toBe('detailed');
    expect(resolveDetail('detailed', reasoning)).toBe('detailed');
  });
});

describe('H3 model-mode summary run', { tags: ['H3'] }, () => {
  test('streams text deltas through the callback and returns their concatenation with usage', async () => {
    const adapter = ScriptedBackend.playing([
      { type: 'reasoning-delta', text: 'thinking about the summary' },
      { type: 'text-delta', text: 'Adds 2 and 2' },
      { type: 'text-delta', text: '' },
      { type: 'text-delta', text: ' and concludes 4.' },
      { type: 'usage', usage: { inputTokens: 40, outputTokens: 9 } },
      { type: 'finish', reason: 'stop' },
    ]);
    const deltas: string[] = [];
    const result = await summarizeWithModel(adapter, { model: 'qwen3-8b', reasoning, detail: 'auto' }, run(deltas));
    expect(deltas).toEqual(['Adds 2 and 2', ' and concludes 4.']);
    expect(result).toEqual({
      text: 'Adds 2 and 2 and concludes 4.',
      usage: { inputTokens: 40, outputTokens: 9 },
      finishReason: 'stop',
    });
    expect(adapter.calls).toHaveLength(1);
    expect(adapter.calls[0].options.requestId).toBe('req_sum_1');
    expect(adapter.lastRequest?.messages[1].content).toContain(reasoning);
  });

  test('a cut summary reports finish reason length', async () => {
    const adapter = ScriptedBackend.playing([
      { type: 'text-delta', text: 'Adds' },
      { type: 'finish', reason: 'length' },
    ]);
    const result = await summarizeWithModel(adapter, { model: 'm', reasoning, detail: 'concise' }, run());
    expect(result.finishReason).toBe('length');
    expect(result.text).toBe('Adds');
  });

  test('an error part after some text rejects with the backend error', async () => {
    const failure = errors.backendProtocol('stream broke');
    const adapter = ScriptedBackend.playing([
      { type: 'text-delta', text: 'Adds' },
      { type: 'error', error: failure },
    ]);
    const deltas: string[] = [];
    await expect(summarizeWithModel(adapter, { model: 'm', reasoning, detail: 'concise' }, run(deltas))).rejects.toBe(
      failure,
    );
    expect(deltas).toEqual(['Adds']);
  });

  test('a backend that refuses the request rejects with its GatewayError', async () => {
    const adapter = ScriptedBackend.playing([], {
      reject: errors.backendUnreachable('http://127.0.0.1:1', 'connection refused'),
    });
    const err = await summarizeWithModel(adapter, { model: 'm', reasoning, detail: 'concise' }, run()).catch(
      (e: unknown) => e,
    );
    expect(isGatewayError(err) && err.code).toBe('backend_unreachable');
  });

  test('empty reasoning gives an empty summary without calling the backend', async () => {
    const adapter = ScriptedBackend.playing([{ type: 'text-delta', text: 'should not appear' }]);
    const result = await summarizeWithModel(adapter, { model: 'm', reasoning: '  \n', detail: 'detailed' }, run());
    expect(result).toEqual({ text: '', usage: null, finishReason: null });
    expect(adapter.calls).toHaveLength(0);
  });
});
