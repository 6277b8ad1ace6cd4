import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../../src-server/config/flags.js';
import { createGateway, type Gateway } from '../../../src-server/gateway.js';
import { streamResponse, toReceivedEvent } from '../../lib/gateway-client.js';
import { createEventChecker } from '../../lib/stream-check.js';
import { applyEvent, applyStart, finishRun, newRun, runStats, type Run } from './run-model.js';
import { entriesOfOutput, entriesOfRequest } from './transcript.js';

let gateway: Gateway;
beforeAll(async () => {
  gateway = await createGateway({ ...defaultConfig(), port: 0, logLevel: 'silent' });
});
afterAll(async () => {
  await gateway.close();
});

/** A request through the real gateway into a run, as the console's Send does. */
async function send(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Run> {
  const r = newRun('run-test', body, headers, Date.now());
  const checker = createEventChecker(r.dialect, r.extensions);
  const result = await streamResponse({
    connection: { baseUrl: gateway.url },
    body,
    headers,
    onExchange: (x) => r.exchanges.push(x),
    onStart: (s) => applyStart(r, s.status, s.headers),
    onEvent: (ev) => applyEvent(r, ev, checker),
  });
  finishRun(r, result, checker);
  return r;
}

/** The same request without streaming: the model's own reasoning and text, from the final Response. */
async function finalOutput(body: Record<string, unknown>): Promise<{ reasoning: string; text: string }> {
  const res = await fetch(`${gateway.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: false }),
  });
  const json = (await res.json()) as { output: { type: string; content?: { text: string }[] }[] };
  const text = (type: string) =>
    json.output
      .filter((o) => o.type === type)
      .flatMap((o) => (o.content ?? []).map((c) => c.text))
      .join('');
  return { reasoning: text('reasoning'), text: text('message') };
}

const ev = (r: Run, data: object, t: number) =>
  applyEvent(r, toReceivedEvent(undefined, JSON.stringify({ sequence_number: r.rows.length, ...data }), t));

describe('assembled state counts every piece of content once', () => {
  test('a reasoning delta and its extension alias are two rows but one text', { tags: ['H2', 'U2'] }, () => {
    const r = newRun('r', {}, { 'X-Responses-Dialect': 'openai', 'X-Responses-Extensions': 'on' }, 0);
    ev(r, { type: 'response.output_item.added', output_index: 0, item: { id: 'rs_1', type: 'reasoning' } }, 1);
    for (const [i, word] of ['The', ' user', ' wrote'].entries()) {
      const d = { item_id: 'rs_1', output_index: 0, content_index: 0, delta: word };
      ev(r, { type: 'response.reasoning_text.delta', ...d }, 2 + i);
      ev(r, { type: 'response.reasoning.delta', ...d }, 2 + i);
    }
    expect(r.items[0].reasoning).toBe('The user wrote');
    expect(
      r.rows.filter((x) => x.type === 'response.reasoning.delta').every((x) => x.alias && x.kind === 'extension'),
    ).toBe(true);
    expect(r.rows.filter((x) => x.type === 'response.reasoning_text.delta').some((x) => x.alias)).toBe(false);
    expect(r.deltaCount).toBe(3);
  });

  test(
    'in open-responses the response.reasoning.delta name is the official one and counts',
    { tags: ['H2', 'U2'] },
    () => {
      const r = newRun('r', {}, { 'X-Responses-Dialect': 'open-responses' }, 0);
      ev(r, { type: 'response.reasoning.delta', item_id: 'rs_1', output_index: 0, content_index: 0, delta: 'A' }, 1);
      ev(r, { type: 'response.reasoning.delta', item_id: 'rs_1', output_index: 0, content_index: 0, delta: 'B' }, 2);
      expect(r.items[0].reasoning).toBe('AB');
      expect(r.rows.every((x) => x.kind === 'official' && !x.alias)).toBe(true);
    },
  );

  for (const dialect of ['openai', 'open-responses'] as const)
    for (const extensions of ['on', 'off'])
      test(
        `reasoning, summary and text equal the model's own, ${dialect} dialect, extensions ${extensions}`,
        { tags: ['H2', 'H3', 'U2'] },
        async () => {
          const body = {
            model: 'sim-reasoning',
            input: 'Is 97 a prime number?',
            reasoning: { effort: 'medium', summary: 'auto' },
            stream: true,
          };
          const r = await send(body, { 'X-Responses-Dialect': dialect, 'X-Responses-Extensions': extensions });
          expect(r.status).toBe('completed');
          expect(r.violationCount).toBe(0);
          const expected = await finalOutput(body);
          expect(expected.reasoning.length).toBeGreaterThan(10);
          const reasoning = r.items.find((i) => i.type === 'reasoning')!;
          expect(reasoning.reasoning).toBe(expected.reasoning);
          expect(reasoning.notes).toEqual([]);
          expect(r.items.find((i) => i.type === 'message')!.text).toBe(expected.text);
          // The summary is what the summary events say, once, whatever the aliases.
          const done = r.rows
            .filter((x) => x.type === 'response.reasoning_summary_text.done')
            .map((x) => (x.data as { text: string }).text);
          expect(reasoning.summaryParts).toEqual(done);
          // Extensions add aliases (reasoning in openai, summaries in both), never counted a second time.
          expect(r.rows.some((x) => x.alias)).toBe(extensions === 'on');
        },
      );
});

describe('non-streaming requests and whole items', () => {
  test(
    'a request without stream shows its Response: items, text, status and the body',
    { tags: ['U1', 'U2'] },
    async () => {
      const r = await send({ model: 'sim-chat', input: 'Say hello' });
      expect(r.status).toBe('completed');
      expect(r.rows).toHaveLength(0);
      const body = r.body as { id: string; output: { content: { text: string }[] }[] };
      expect(r.responseId).toBe(body.id);
      const message = r.items.find((i) => i.type === 'message')!;
      expect(message.text).toBe(body.output[0].content[0].text);
      expect(message.status).toBe('completed');
      expect(r.exchanges[0].streaming).toBe(false);
      expect(JSON.parse(r.exchanges[0].responseBody)).toEqual(r.body);
    },
  );

  test('function_call_output items keep the output exactly as sent', { tags: ['U3'] }, () => {
    const r = newRun('r', {}, {}, 0);
    const item = {
      id: 'fco_1',
      type: 'function_call_output',
      call_id: 'call_1',
      output: '{"temp_c": 18}',
      status: 'completed',
    };
    ev(r, { type: 'response.output_item.added', output_index: 1, item }, 1);
    ev(r, { type: 'response.output_item.done', output_index: 1, item }, 2);
    expect(r.items[0].output).toBe('{"temp_c": 18}');
    expect(entriesOfOutput(r.items)[0]).toMatchObject({ role: 'tool', text: '{"temp_c": 18}' });
  });

  test('a final value that contradicts the deltas is noted, and the final value is shown', { tags: ['U2'] }, () => {
    const r = newRun('r', {}, {}, 0);
    ev(r, { type: 'response.output_text.delta', item_id: 'm', output_index: 0, content_index: 0, delta: 'Hel' }, 1);
    ev(r, { type: 'response.output_text.done', item_id: 'm', output_index: 0, content_index: 0, text: 'Hello' }, 2);
    expect(r.items[0].text).toBe('Hello');
    expect(r.items[0].notes[0]).toMatch(/deltas added up to 3 characters/);
  });
});

describe('how a run ended', () => {
  test('after an abort, items that never finished say so instead of in_progress', { tags: ['U2'] }, () => {
    const r = newRun('r', {}, {}, 0);
    ev(r, { type: 'response.created', response: { id: 'resp_1', status: 'in_progress', output: [] } }, 1);
    ev(
      r,
      {
        type: 'response.output_item.added',
        output_index: 0,
        item: { id: 'm', type: 'message', status: 'in_progress' },
      },
      2,
    );
    finishRun(r, { aborted: true, status: 200 });
    expect(r.status).toBe('aborted');
    expect(r.items[0].interrupted).toMatch(/aborted/);
  });

  test('tokens per second needs at least 250 ms of deltas', { tags: ['U2'] }, () => {
    const r = newRun('r', {}, {}, 0);
    ev(r, { type: 'response.output_text.delta', item_id: 'm', output_index: 0, delta: 'a' }, 10);
    ev(r, { type: 'response.output_text.delta', item_id: 'm', output_index: 0, delta: 'b' }, 11);
    expect(runStats(r).tokensPerSecond).toBeUndefined();
    ev(r, { type: 'response.output_text.delta', item_id: 'm', output_index: 0, delta: 'c' }, 510);
    expect(runStats(r).tokensPerSecond).toBeCloseTo(4);
  });

  test('an injected simulator fault is kept on the run', { tags: ['U1'] }, async () => {
    const r = await send({ model: 'sim-chat', input: 'hi', stream: true }, { 'x-simulator-fault': 'error_chunk' });
    expect(r.injectedFault).toBe('error_chunk');
    expect(r.status).toBe('failed');
  });
});

describe('transcript of a request', () => {
  test('instructions, a string input and item inputs read as a conversation', { tags: ['U2'] }, () => {
    expect(entriesOfRequest({ instructions: 'Be brief.', input: 'Hi' }).map((e) => [e.role, e.text])).toEqual([
      ['system', 'Be brief.'],
      ['user', 'Hi'],
    ]);
    const items = entriesOfRequest({
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Weather?' }] },
        { type: 'function_call', name: 'get_weather', call_id: 'c1', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'c1', output: '18 C' },
      ],
    });
    expect(items.map((e) => [e.role, e.kind, e.text])).toEqual([
      ['user', 'message', 'Weather?'],
      ['assistant', 'function_call', '{"city":"Paris"}'],
      ['tool', 'function_call_output', '18 C'],
    ]);
  });
});
