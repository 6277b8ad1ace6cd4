import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../../src-server/config/flags.js';
import { createGateway, type Gateway } from '../../../src-server/gateway.js';
import { streamResponse, toReceivedEvent } from '../../lib/gateway-client.js';
import { createEventChecker } from '../../lib/stream-check.js';
import { applyEvent, applyStart, filterRows, finishRun, lifecycleOf, newRun, runStats, type Run } from './run-model.js';

let gateway: Gateway;
beforeAll(async () => {
  gateway = await createGateway({ ...defaultConfig(), port: 0, logLevel: 'silent' });
});
afterAll(async () => {
  await gateway.close();
});

/** Streams a request from the real gateway into a run, the way the console's Send does. */
async function run(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Run> {
  const r = newRun('run-test', body, headers, Date.now());
  const checker = createEventChecker('openai', true);
  const result = await streamResponse({
    connection: { baseUrl: gateway.url },
    body,
    headers: { 'X-Responses-Extensions': 'on', ...headers },
    onStart: (s) => applyStart(r, s.status, s.headers),
    onEvent: (ev) => applyEvent(r, ev, checker),
  });
  finishRun(r, result, checker);
  return r;
}

describe('timeline run model against the real gateway', () => {
  test('a plain stream assembles into the same text the terminal response carries, with no violations', async () => {
    const r = await run({ model: 'sim-chat', input: 'hello there', stream: true });
    expect(r.status).toBe('completed');
    expect(r.violationCount).toBe(0);
    const completed = r.rows.find((x) => x.type === 'response.completed')!.data as {
      response: { output: { content: { text: string }[] }[] };
    };
    const message = r.items.find((i) => i.type === 'message')!;
    expect(message.text).toBe(completed.response.output[0].content[0].text);
    expect(r.rows.map((x) => x.sequenceNumber)).toEqual(r.rows.map((_, i) => i));
    expect(r.responseId).toMatch(/^resp_/);
    expect(runStats(r).ttftMs).toBeGreaterThanOrEqual(0);
    expect(r.rows.every((x) => x.bytes > 0 && x.dt >= 0)).toBe(true);
  });

  test('function call arguments grow delta by delta into the done arguments', async () => {
    const r = await run({
      model: 'sim-chat',
      input: 'weather?',
      stream: true,
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      ],
      tool_choice: 'required',
    });
    const call = r.items.find((i) => i.type === 'function_call')!;
    const done = r.rows.find((x) => x.type === 'response.function_call_arguments.done')!.data as { arguments: string };
    const deltas = r.rows
      .filter((x) => x.type === 'response.function_call_arguments.delta')
      .map((x) => (x.data as { delta: string }).delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(done.arguments);
    expect(call.arguments).toBe(done.arguments);
    expect(call.name).toBe('get_weather');
    expect(call.callId).toBeTruthy();
  });

  test('a mid-stream simulator fault ends the run as failed with the error kept', async () => {
    const r = await run({ model: 'sim-chat', input: 'hello', stream: true }, { 'x-simulator-fault': 'error_chunk' });
    expect(r.status).toBe('failed');
    expect(r.rows.some((x) => x.type === 'error' && x.lifecycle === 'error')).toBe(true);
    expect(r.error?.code).toBe('server_error');
  });

  test('an HTTP error before the stream is a run error with the API message', async () => {
    const r = await run({ model: 'sim-chat', input: 'hello', stream: true, bogus_field: 1 });
    expect(r.status).toBe('error');
    expect(r.httpStatus).toBe(400);
    expect(r.error?.message).toMatch(/bogus_field/);
  });
});

describe('timeline rows', () => {
  test('lifecycle colours by event suffix', () => {
    expect(lifecycleOf('response.created')).toBe('start');
    expect(lifecycleOf('response.output_item.added')).toBe('start');
    expect(lifecycleOf('response.output_text.delta')).toBe('delta');
    expect(lifecycleOf('response.output_text.done')).toBe('done');
    expect(lifecycleOf('response.completed')).toBe('done');
    expect(lifecycleOf('response.failed')).toBe('error');
    expect(lifecycleOf('error')).toBe('error');
    expect(lifecycleOf('response.rate_limits.updated')).toBe('other');
  });

  test('unparsable data becomes a flagged row, not a crash', () => {
    const r = newRun('x', {}, {}, 0);
    const row = applyEvent(r, toReceivedEvent('message', '{not json', 1));
    expect(row.violations[0]).toMatch(/unparsable/);
    expect(r.violationCount).toBe(1);
  });

  test('filter by type prefix and by text', () => {
    const r = newRun('x', {}, {}, 0);
    applyEvent(
      r,
      toReceivedEvent(
        undefined,
        JSON.stringify({
          type: 'response.output_text.delta',
          delta: 'Hello',
          item_id: 'm',
          output_index: 0,
          sequence_number: 0,
        }),
        1,
      ),
    );
    applyEvent(
      r,
      toReceivedEvent(
        undefined,
        JSON.stringify({
          type: 'response.output_text.done',
          text: 'Hello',
          item_id: 'm',
          output_index: 0,
          sequence_number: 1,
        }),
        2,
      ),
    );
    expect(filterRows(r.rows, 'response.output_text.delta', '')).toHaveLength(1);
    expect(filterRows(r.rows, 'response.output_text', '')).toHaveLength(2);
    expect(filterRows(r.rows, '', 'hello')).toHaveLength(2);
    expect(filterRows(r.rows, '', 'absent')).toHaveLength(0);
    expect(r.rows[1].dt).toBe(1);
  });

  test('rate-limit events and sealed reasoning are collected for their panels', () => {
    const r = newRun('x', {}, {}, 0);
    applyEvent(
      r,
      toReceivedEvent(
        undefined,
        JSON.stringify({
          type: 'response.rate_limits.updated',
          rate_limits: [{ name: 'requests', limit: 10, remaining: 9, reset_seconds: 1 }],
          sequence_number: 0,
        }),
        1,
      ),
    );
    applyEvent(
      r,
      toReceivedEvent(
        undefined,
        JSON.stringify({
          type: 'response.output_item.done',
          output_index: 0,
          item: { id: 'rs_1', type: 'reasoning', encrypted_content: 'sealed-abc' },
          sequence_number: 1,
        }),
        2,
      ),
    );
    expect(r.rateLimits[0]).toMatchObject({ source: 'event', gauges: [{ name: 'requests', limit: 10, remaining: 9 }] });
    expect(r.blobs).toEqual([
      { source: 'reasoning.encrypted_content', itemId: 'rs_1', value: 'sealed-abc', bytes: 10 },
    ]);
  });
});
