import { afterEach, describe, expect, test } from 'vitest';
import { chatMessages } from '../../src-server/backends/chat-completions/request.js';
import type { BackendAdapter, ModelPart, ModelRequest } from '../../src-server/backends/contract.js';
import { framed } from '../../src-server/backends/part-framing.js';
import { stateMetrics } from '../../src-server/state/service.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { SseReader } from './sse-reader.js';

/**
 * A backend whose model writes broken tool arguments on its first turn and answers with text once
 * the conversation holds a tool result — the case E7 is about, which the simulator never produces.
 */
function brokenArgumentsBackend(): BackendAdapter & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return {
    kind: 'scripted',
    baseUrl: 'scripted://',
    requests,
    listModels: () => Promise.resolve([{ id: 'scripted' }]),
    stream(request: ModelRequest): Promise<AsyncIterable<ModelPart>> {
      requests.push(request);
      const answered = chatMessages(request).some((m) => m.role === 'tool');
      const parts: ModelPart[] = answered
        ? [
            { type: 'text-delta', text: 'Thanks.' },
            { type: 'finish', reason: 'stop' },
          ]
        : [
            { type: 'tool-call-start', index: 0, callId: 'call_broken', name: 'lookup' },
            { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city": "Par' },
            { type: 'finish', reason: 'tool_calls' },
          ];
      return Promise.resolve(
        (async function* () {
          // Framed, as every adapter's reader frames its stream.
          for (const part of framed(parts)) yield part;
        })(),
      );
    },
  };
}

let h: GatewayHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('E7 tool arguments that are not valid JSON', { tags: ['E7'] }, () => {
  test('delivered verbatim, flagged in the session state, the metric and the log; the session goes on', async () => {
    const backend = brokenArgumentsBackend();
    h = await startGateway({ logLevel: 'warn' }, { backend });
    const before = stateMetrics.invalidToolArguments;
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'scripted', stream: true, input: 'look it up', tools: [{ type: 'function', name: 'lookup' }] },
      { 'x-responses-session': 'on' },
    );
    const reader = new SseReader(res);
    const done = await reader.waitFor((e) => e.type === 'response.function_call_arguments.done');
    expect(done.arguments).toBe('{"city": "Par');
    const id = ((await reader.waitFor((e) => e.type === 'response.created')).response as { id: string }).id;
    let state: Record<string, unknown>;
    do {
      state = (await (await fetch(`${h.url}/v1/responses/${id}/session`)).json()) as Record<string, unknown>;
    } while (state.status !== 'waiting');
    expect(state.invalid_argument_call_ids).toEqual(['call_broken']);
    await postJson(`${h.url}/v1/responses/${id}/tool_outputs`, {
      tool_outputs: [{ call_id: 'call_broken', output: 'error: bad arguments' }],
    });
    await reader.finished;
    expect(reader.events.at(-1)?.type).toBe('response.completed');
    // The next turn sent the arguments back exactly as the model wrote them.
    const assistant = chatMessages(backend.requests[1]).find((m) => m.role === 'assistant') as {
      tool_calls: { function: { arguments: string } }[];
    };
    expect(assistant.tool_calls[0].function.arguments).toBe('{"city": "Par');
    expect(stateMetrics.invalidToolArguments).toBe(before + 1);
    expect(
      h.logs.some((l) => String(l.msg).includes('not valid JSON') && JSON.stringify(l).includes('call_broken')),
    ).toBe(true);
  });
});
