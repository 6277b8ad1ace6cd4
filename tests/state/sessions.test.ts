import { afterEach, describe, expect, test } from 'vitest';
import { validateStream, type StreamEventLike } from '../../src-server/shared/protocol/stream-validator.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { SseReader, type StreamEvent } from './sse-reader.js';

let h: GatewayHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const tool = (name: string): Record<string, unknown> => ({
  type: 'function',
  name,
  description: `The ${name} tool.`,
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
});

const SESSION = { 'x-responses-session': 'on' };

async function openSession(
  g: GatewayHarness,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = SESSION,
): Promise<{ reader: SseReader; id: string; calls: StreamEvent[] }> {
  const res = await postJson(
    `${g.url}/v1/responses`,
    {
      model: 'sim-chat',
      stream: true,
      input: 'Use get_weather and get_time for Paris',
      tools: [tool('get_weather'), tool('get_time')],
      ...body,
    },
    headers,
  );
  expect(res.status).toBe(200);
  const reader = new SseReader(res);
  const created = await reader.waitFor((e) => e.type === 'response.created');
  const id = (created.response as { id: string }).id;
  const expected = body.parallel_tool_calls === false ? 1 : 2;
  const calls = await reader.waitForCount(
    (e) => e.type === 'response.output_item.done' && (e.item as { type: string }).type === 'function_call',
    expected,
  );
  return { reader, id, calls };
}

const callId = (e: StreamEvent): string => (e.item as { call_id: string }).call_id;

function submit(g: GatewayHarness, id: string, body: unknown): Promise<Response> {
  return postJson(`${g.url}/v1/responses/${id}/tool_outputs`, body);
}

async function expectError(res: Promise<Response>, status: number, err: Record<string, unknown>): Promise<string> {
  const r = await res;
  const body = (await r.json()) as { error: Record<string, unknown> };
  expect({ status: r.status, type: body.error.type, code: body.error.code, param: body.error.param }).toEqual({
    status,
    ...err,
  });
  return String(body.error.message);
}

async function waitUntilWaiting(g: GatewayHarness, id: string): Promise<Record<string, unknown>> {
  for (;;) {
    const state = (await (await fetch(`${g.url}/v1/responses/${id}/session`)).json()) as Record<string, unknown>;
    if (state.status === 'waiting') return state;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('C1 C3 E3 session mode: one response across tool turns', { tags: ['C1', 'C3', 'E3'] }, () => {
  test(
    'outputs in two submissions continue the same stream; sequence numbers go on (L6)',
    { tags: ['L6'] },
    async () => {
      h = await startGateway({ logLevel: 'warn' });
      const { reader, id, calls } = await openSession(h);
      const state = await waitUntilWaiting(h, id);
      expect(state.pending_call_ids).toEqual(calls.map(callId));
      // The metrics gauge counts it as waiting.
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      expect(metrics).toMatch(/^responses_gateway_sessions_waiting 1$/m);
      // GET shows the live response while it waits: in progress, with its calls.
      const live = (await (await fetch(`${h.url}/v1/responses/${id}`)).json()) as {
        status: string;
        output: { type: string }[];
      };
      expect(live.status).toBe('in_progress');
      expect(live.output.map((i) => i.type)).toEqual(['function_call', 'function_call']);

      // A second client answers, one call at a time (E3).
      const first = await submit(h, id, { tool_outputs: [{ call_id: callId(calls[0]), output: 'Sunny, 21 C' }] });
      expect(await first.json()).toMatchObject({ accepted_call_ids: [callId(calls[0])], resumed: false });
      const second = await submit(h, id, {
        tool_outputs: [{ call_id: callId(calls[1]), output: [{ type: 'input_text', text: '14:05' }] }],
      });
      expect(await second.json()).toMatchObject({ pending_call_ids: [], resumed: true });

      await reader.finished;
      const events = reader.events;
      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
      expect(events.filter((e) => e.type === 'response.created')).toHaveLength(1);
      expect(events.at(-1)?.type).toBe('response.completed');
      expect(validateStream(events as unknown as StreamEventLike[], { dialect: 'openai' })).toEqual([]);
      const final = events.at(-1)?.response as {
        id: string;
        output: { type: string; call_id?: string; output?: unknown }[];
      };
      expect(final.id).toBe(id);
      expect(final.output.map((i) => i.type)).toEqual([
        'function_call',
        'function_call',
        'function_call_output',
        'function_call_output',
        'message',
      ]);
      expect(final.output[2]).toMatchObject({ call_id: callId(calls[0]), output: 'Sunny, 21 C' });
      expect(final.output[3]).toMatchObject({
        call_id: callId(calls[1]),
        output: [{ type: 'input_text', text: '14:05' }],
      });
      // The stored copy is the same response.
      const stored = (await (await fetch(`${h.url}/v1/responses/${id}`)).json()) as { output: unknown[] };
      expect(stored.output).toEqual(final.output);
    },
  );

  test('E4 an output over 1 MB under the limit is accepted', { tags: ['E4'] }, async () => {
    h = await startGateway({ logLevel: 'warn', toolOutputsMaxBytes: 4 * 1024 * 1024 });
    const { reader, id, calls } = await openSession(h, { parallel_tool_calls: false });
    await waitUntilWaiting(h, id);
    const big = 'x'.repeat(1_500_000);
    const res = await submit(h, id, { tool_outputs: [{ call_id: callId(calls[0]), output: big }] });
    expect(res.status).toBe(200);
    await reader.finished;
    expect(reader.events.at(-1)?.type).toBe('response.completed');
  });

  test('E6 E2 tool_outputs errors: status, type, code and param', { tags: ['E6', 'E2'] }, async () => {
    h = await startGateway({ logLevel: 'warn', toolOutputsMaxBytes: 64 * 1024 });
    await expectError(submit(h, 'resp_unknown', { tool_outputs: [] }), 404, {
      type: 'invalid_request_error',
      code: 'response_not_found',
      param: null,
    });
    // A stored response that is not a live session is not waiting.
    const done = (await (await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi' })).json()) as {
      id: string;
    };
    await expectError(submit(h, done.id, { tool_outputs: [{ call_id: 'c', output: 'x' }] }), 409, {
      type: 'invalid_request_error',
      code: 'response_not_waiting',
      param: null,
    });

    const { reader, id, calls } = await openSession(h);
    await waitUntilWaiting(h, id);
    const bad: [unknown, string, string][] = [
      [[], 'invalid_type', null as unknown as string],
      [{}, 'missing_required_parameter', 'tool_outputs'],
      [{ tool_outputs: 'x' }, 'invalid_type', 'tool_outputs'],
      [{ tool_outputs: [] }, 'invalid_value', 'tool_outputs'],
      [{ tool_outputs: [{ output: 'x' }] }, 'missing_required_parameter', 'tool_outputs[0].call_id'],
      [{ tool_outputs: [{ call_id: callId(calls[0]) }] }, 'missing_required_parameter', 'tool_outputs[0].output'],
      [{ tool_outputs: [{ call_id: callId(calls[0]), output: 5 }] }, 'invalid_type', 'tool_outputs[0].output'],
      [
        { tool_outputs: [{ call_id: callId(calls[0]), output: 'x', extra: 1 }] },
        'unknown_parameter',
        'tool_outputs[0].extra',
      ],
      [
        { tool_outputs: [{ call_id: callId(calls[0]), output: [{ type: 'bogus' }] }] },
        'invalid_value',
        'tool_outputs[0].output[0].type',
      ],
    ];
    for (const [body, code, param] of bad) {
      await expectError(submit(h, id, body), 400, { type: 'invalid_request_error', code, param });
    }
    const unknown = await expectError(
      submit(h, id, {
        tool_outputs: [
          { call_id: callId(calls[0]), output: 'a' },
          { call_id: 'call_nope', output: 'b' },
        ],
      }),
      400,
      { type: 'invalid_request_error', code: 'invalid_value', param: 'tool_outputs[1].call_id' },
    );
    expect(unknown).toContain('call_nope');
    // Nothing of a rejected submission was kept: the first call is still pending.
    expect((await waitUntilWaiting(h, id)).pending_call_ids).toEqual(calls.map(callId));
    await expectError(
      submit(h, id, { tool_outputs: [{ call_id: callId(calls[0]), output: 'x'.repeat(70 * 1024) }] }),
      413,
      { type: 'invalid_request_error', code: 'request_too_large', param: null },
    );
    // E6: first submission wins, the second one for the same call_id is a 409 naming it.
    expect((await submit(h, id, { tool_outputs: [{ call_id: callId(calls[0]), output: 'first' }] })).status).toBe(200);
    const dup = await expectError(
      submit(h, id, { tool_outputs: [{ call_id: callId(calls[0]), output: 'second' }] }),
      409,
      {
        type: 'invalid_request_error',
        code: 'duplicate_call_id',
        param: 'tool_outputs[0].call_id',
      },
    );
    expect(dup).toContain(callId(calls[0]));
    await submit(h, id, { tool_outputs: [{ call_id: callId(calls[1]), output: 'done' }] });
    await reader.finished;
    const final = reader.events.at(-1)?.response as { output: { call_id?: string; output?: unknown; type: string }[] };
    expect(final.output.find((i) => i.type === 'function_call_output' && i.call_id === callId(calls[0]))?.output).toBe(
      'first',
    );
  });

  test('E2 a wait past --responses-tool-timeout fails with tool_outputs_timeout', { tags: ['E2'] }, async () => {
    h = await startGateway({ logLevel: 'warn', toolTimeoutSeconds: 0.2 });
    const { reader } = await openSession(h);
    await reader.finished;
    const error = reader.events.find((e) => e.type === 'error');
    expect(error).toMatchObject({ code: 'tool_outputs_timeout' });
    expect(reader.events.at(-1)).toMatchObject({
      type: 'response.failed',
      response: { error: { code: 'tool_outputs_timeout' } },
    });
  });

  test(
    'C1 eviction: over --responses-max-active-sessions the longest-waiting session ends with session_evicted',
    { tags: ['C1'] },
    async () => {
      h = await startGateway({ logLevel: 'warn', maxActiveSessions: 1 });
      const a = await openSession(h);
      await waitUntilWaiting(h, a.id);
      const b = await openSession(h);
      await a.reader.finished;
      expect(a.reader.events.at(-1)).toMatchObject({
        type: 'response.failed',
        response: { error: { code: 'session_evicted' } },
      });
      expect(a.reader.events.find((e) => e.type === 'error')).toMatchObject({ code: 'session_evicted' });
      await waitUntilWaiting(h, b.id);
      await submit(h, b.id, { tool_outputs: b.calls.map((c) => ({ call_id: callId(c), output: 'ok' })) });
      await b.reader.finished;
      expect(b.reader.events.at(-1)?.type).toBe('response.completed');
    },
  );

  test('E5 a client that leaves during the wait frees the session', { tags: ['E5'] }, async () => {
    h = await startGateway({ logLevel: 'warn' });
    const controller = new AbortController();
    const res = await fetch(`${h.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...SESSION },
      body: JSON.stringify({
        model: 'sim-chat',
        stream: true,
        input: 'Use get_weather for Paris',
        tools: [tool('get_weather')],
      }),
      signal: controller.signal,
    });
    const reader = new SseReader(res);
    const created = await reader.waitFor((e) => e.type === 'response.created');
    const id = (created.response as { id: string }).id;
    await waitUntilWaiting(h, id);
    controller.abort();
    for (;;) {
      const r = await fetch(`${h.url}/v1/responses/${id}/session`);
      if (r.status === 404) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const stored = (await (await fetch(`${h.url}/v1/responses/${id}`)).json()) as Record<string, unknown>;
    expect(stored).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'client_disconnected' } });
  });

  test('without the header nothing changes: the response completes with the calls', async () => {
    h = await startGateway({ logLevel: 'warn' });
    const res = await postJson(`${h.url}/v1/responses`, {
      model: 'sim-chat',
      stream: true,
      input: 'Use get_weather for Paris',
      tools: [tool('get_weather')],
    });
    const reader = new SseReader(res);
    await reader.finished;
    expect(reader.events.at(-1)?.type).toBe('response.completed');
    const final = reader.events.at(-1)?.response as { output: { type: string }[] };
    expect(final.output.map((i) => i.type)).toEqual(['function_call']);
  });
});
