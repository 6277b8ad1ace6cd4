import OpenAI from 'openai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createExtensionStage, createPreTerminalStage } from '../../src-server/engine/extensions.js';
import type { EventStage, ResponseEvent } from '../../src-server/engine/events.js';
import { EXTENSION_EVENT_TYPES } from '../../src-server/shared/protocol/events.js';
import { checkExtensionEvent, EXTENSION_EVENT_SCHEMAS } from '../../src-server/shared/protocol/extension-schemas.js';
import { postJson, readSse, startGateway, streamViolations, type GatewayHarness } from '../support/gateway-harness.js';
import { weatherTool } from '../support/fixtures.js';
import { SseReader } from '../state/sse-reader.js';

const EXT = new Set<string>(EXTENSION_EVENT_TYPES);

/** An event as these tests write it by hand (only the fields a stage reads). */
type LooseEvent = { type: string; [field: string]: unknown };

/** What a stage writes for an event, as a list. */
const through = (stage: EventStage, event: LooseEvent): LooseEvent[] => {
  const out = stage(event as unknown as ResponseEvent);
  return (Array.isArray(out) ? out : [out]) as unknown as LooseEvent[];
};

/** The extension events a stage adds after an event (the event itself comes first). */
const extensionHook = (stage: EventStage) => (event: LooseEvent) => through(stage, event).slice(1);
const types = (events: { data: unknown }[]): string[] => events.map((e) => (e.data as { type: string }).type);

describe('extension event schemas', () => {
  test('every extension event type has a schema that ajv compiles', () => {
    const ajv = new Ajv2020({ strict: false });
    for (const type of EXTENSION_EVENT_TYPES) expect(() => ajv.compile(EXTENSION_EVENT_SCHEMAS[type])).not.toThrow();
  });

  test('the built-in checker and ajv agree on valid and invalid samples', () => {
    const ajv = new Ajv2020({ strict: false });
    const samples: { type: string; [k: string]: unknown }[] = [
      { type: 'response.ping', sequence_number: 3 },
      { type: 'response.ping', sequence_number: 3, extra: 1 },
      {
        type: 'response.tool_call.delta',
        sequence_number: 4,
        item_id: 'fc_1',
        output_index: 0,
        call_id: 'call_1',
        name: 'f',
        delta: '{',
      },
      {
        type: 'response.tool_call.delta',
        sequence_number: 4,
        item_id: 'fc_1',
        output_index: 0,
        call_id: 'call_1',
        delta: '{',
      },
      {
        type: 'response.rate_limits.updated',
        sequence_number: 1,
        rate_limits: [{ name: 'requests', limit: 5, remaining: 4, reset_seconds: 12.5 }],
      },
      {
        type: 'response.rate_limits.updated',
        sequence_number: 1,
        rate_limits: [{ name: 'bytes', limit: 5, remaining: 4, reset_seconds: 1 }],
      },
      {
        type: 'response.additional_context',
        sequence_number: 9,
        item_id: 'rs_1',
        output_index: 0,
        encrypted_content: 'x',
      },
    ];
    for (const s of samples) {
      const valid = ajv.compile(EXTENSION_EVENT_SCHEMAS[s.type as keyof typeof EXTENSION_EVENT_SCHEMAS])(s);
      expect(checkExtensionEvent(s) === null).toBe(valid);
    }
  });

  test(
    'H4 response.additional_context follows a reasoning item that carries encrypted_content',
    { tags: ['H4'] },
    () => {
      const hook = extensionHook(createExtensionStage({}));
      const out = hook({
        type: 'response.output_item.done',
        output_index: 0,
        item: { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'sealed-token' },
      });
      expect(out).toEqual([
        { type: 'response.additional_context', item_id: 'rs_1', output_index: 0, encrypted_content: 'sealed-token' },
      ]);
      expect(
        hook({
          type: 'response.output_item.done',
          output_index: 0,
          item: { type: 'reasoning', id: 'rs_2', summary: [] },
        }),
      ).toEqual([]);
    },
  );

  test('C4 response.error comes after error and before response.failed', { tags: ['C4'] }, () => {
    const out: LooseEvent[] = [];
    const preTerminal = createPreTerminalStage({});
    const stage = (event: LooseEvent) => out.push(...through(preTerminal, event));
    stage({
      type: 'error',
      code: 'backend_timeout',
      message: 'slow',
      param: null,
      error: { type: 'server_error', code: 'backend_timeout', message: 'slow', param: null },
    });
    stage({ type: 'response.failed', response: { id: 'resp_1', object: 'response', status: 'failed' } });
    expect(out.map((e) => e.type)).toEqual(['error', 'response.error', 'response.failed']);
    expect(out[1].error).toEqual({ type: 'server_error', code: 'backend_timeout', message: 'slow', param: null });
  });
});

describe(
  'extension events on a live stream (C2, C4, H2, H3, H5, L4)',
  { tags: ['C2', 'C4', 'H2', 'H3', 'H5', 'L4'] },
  () => {
    let h: GatewayHarness;
    beforeAll(async () => {
      h = await startGateway({
        logLevel: 'warn',
        rateLimitRequestsPerMinute: 100,
        rateLimitTokensPerMinute: 1_000_000,
        pingIntervalSeconds: 0.05,
      });
    });
    afterAll(async () => {
      expect(h.logs.filter((l) => l.level === 'error')).toEqual([]);
      await h.close();
    });

    const stream = async (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      readSse(await postJson(`${h.url}/v1/responses`, { stream: true, ...body }, headers));

    test.each(['openai', 'open-responses'] as const)(
      'with X-Responses-Extensions: on every extension event is valid (%s)',
      async (dialect) => {
        const s = await stream(
          {
            model: 'sim-reasoning',
            input: 'What is the weather in Paris? Use get_weather.',
            tools: [weatherTool],
            reasoning: { summary: 'detailed' },
          },
          { 'x-responses-extensions': 'on', 'x-responses-dialect': dialect },
        );
        expect(streamViolations(s, dialect, true)).toEqual([]);
        const seen = types(s.events);
        expect(seen).toContain('response.tool_call.delta');
        expect(seen).toContain('response.reasoning.summary.added');
        expect(seen).toContain('response.reasoning.summary.delta');
        expect(seen.filter((t) => t === 'response.rate_limits.updated')).toHaveLength(2);
        // At the start (right after response.created) and just before the terminal event.
        expect(seen[1]).toBe('response.rate_limits.updated');
        expect(seen.at(-2)).toBe('response.rate_limits.updated');
        // H2: the legacy alias only in the openai dialect (in open-responses it is the official name).
        if (dialect === 'openai') {
          const official = seen.filter((t) => t === 'response.reasoning_text.delta').length;
          expect(seen.filter((t) => t === 'response.reasoning.delta').length).toBe(official);
        }
        const call = s.events
          .map((e) => e.data as Record<string, unknown>)
          .find((e) => e.type === 'response.tool_call.delta');
        expect(call).toMatchObject({ name: 'get_weather', call_id: expect.stringMatching(/.+/) });
      },
    );

    test(
      'C4: a mid-stream failure carries response.error between error and response.failed',
      { tags: ['C4'] },
      async () => {
        const s = await stream(
          { model: 'sim-chat', input: 'hello' },
          { 'x-responses-extensions': 'on', 'x-simulator-fault': 'error_chunk', 'x-simulator-fault-after': '2' },
        );
        expect(streamViolations(s, 'openai', true)).toEqual([]);
        const seen = types(s.events);
        const i = seen.indexOf('error');
        expect(seen.slice(i)).toEqual(['error', 'response.error', 'response.rate_limits.updated', 'response.failed']);
        const ext = s.events[i + 1].data as { response: { status: string }; error: { code: string } };
        expect(ext.response.status).toBe('failed');
        expect(typeof ext.error.code).toBe('string');
      },
    );

    test(
      'L4: silence longer than the ping interval gives response.ping with extensions, a comment without',
      { tags: ['L4'] },
      async () => {
        // The backend goes silent after its first chunk and stays so until the client leaves: the
        // keep-alive has to come, however slowly the machine runs (no race with a first token).
        const silent = { 'x-simulator-fault': 'stall', 'x-simulator-fault-after': '0' };
        const open = async (headers: Record<string, string>) => {
          const controller = new AbortController();
          const res = await fetch(`${h.url}/v1/responses`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...silent, ...headers },
            body: JSON.stringify({ model: 'sim-chat', input: 'hello', stream: true }),
            signal: controller.signal,
          });
          return { res, controller };
        };

        const on = await open({ 'x-responses-extensions': 'on' });
        const reader = new SseReader(on.res);
        const ping = await reader.waitFor((e) => e.type === 'response.ping');
        expect(checkExtensionEvent(ping)).toBeNull();
        // Numbered like every other event of the stream (L6).
        expect(reader.events.map((e) => e.sequence_number)).toEqual(reader.events.map((_, i) => i));
        on.controller.abort();
        await reader.finished;

        const off = await open({});
        const body = (off.res.body as ReadableStream<Uint8Array>).getReader();
        const decoder = new TextDecoder();
        let text = '';
        while (!text.includes(': keep-alive')) {
          const { value, done } = await body.read();
          if (done) throw new Error(`the stream ended without a keep-alive: ${text}`);
          text += decoder.decode(value, { stream: true });
        }
        expect(text).not.toContain('response.ping');
        off.controller.abort();
        await body.cancel().catch(() => undefined);
      },
    );

    test('extensions off (the default): no extension event ever appears', async () => {
      const bodies = [
        {
          model: 'sim-reasoning',
          input: 'What is the weather in Paris? Use get_weather.',
          tools: [weatherTool],
          reasoning: { summary: 'auto' },
        },
        { model: 'sim-chat', input: 'hello' },
      ];
      for (const body of bodies) {
        const s = await stream(body, { 'x-simulator-ttft-ms': '150' });
        expect(types(s.events).filter((t) => EXT.has(t) && t !== 'response.reasoning.delta')).toEqual([]);
        expect(types(s.events)).not.toContain('response.reasoning.delta');
        expect(streamViolations(s, 'openai', false)).toEqual([]);
      }
      const failed = await stream({ model: 'sim-chat', input: 'hello' }, { 'x-simulator-fault': 'error_chunk' });
      expect(types(failed.events).filter((t) => EXT.has(t))).toEqual([]);
    });

    test('the same request with extensions off is accepted by openai-node responses.stream()', async () => {
      const client = new OpenAI({ baseURL: h.baseURL, apiKey: 'k', maxRetries: 0 });
      const s = client.responses.stream({
        model: 'sim-reasoning',
        input: 'Explain briefly',
        reasoning: { summary: 'concise' },
      });
      const final = await s.finalResponse();
      expect(final.status).toBe('completed');
    });
  },
);
