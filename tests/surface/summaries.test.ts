import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { validateEventAgainstSpec, validateResponseAgainstSpec } from '../support/open-responses-spec.js';
import { postJson, readSse, startGateway, streamViolations, type GatewayHarness } from '../support/gateway-harness.js';

type Ev = { type: string; [k: string]: unknown };

describe.each(['extractive', 'model'] as const)('H3 reasoning summaries (%s mode)', { tags: ['H3'] }, (mode) => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'warn', reasoningSummaryMode: mode });
  });
  afterAll(async () => {
    expect(h.logs.filter((l) => l.level === 'error')).toEqual([]);
    await h.close();
  });

  test('open-responses dialect: summary events and item are valid against the spec', async () => {
    const s = await readSse(
      await postJson(
        `${h.url}/v1/responses`,
        { model: 'sim-reasoning', input: 'Explain how tides work', stream: true, reasoning: { summary: 'detailed' } },
        { 'x-responses-dialect': 'open-responses' },
      ),
    );
    expect(streamViolations(s, 'open-responses')).toEqual([]);
    const events = s.events.map((e) => e.data as Ev);
    for (const e of events) expect(validateEventAgainstSpec(e)).toEqual([]);
    const seen = events.map((e) => e.type);
    const order = [
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
    ].map((t) => seen.indexOf(t));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const done = events.find((e) => e.type === 'response.reasoning_summary_text.done') as Ev & { text: string };
    const deltas = events
      .filter((e) => e.type === 'response.reasoning_summary_text.delta')
      .map((e) => e.delta as string);
    expect(deltas.join('')).toBe(done.text);
    expect(done.text.length).toBeGreaterThan(0);
    const final = events.at(-1) as Ev & { response: { output: { type: string; summary?: { text: string }[] }[] } };
    expect(validateResponseAgainstSpec(final.response)).toEqual([]);
    const reasoning = final.response.output.find((o) => o.type === 'reasoning');
    expect(reasoning?.summary).toEqual([{ type: 'summary_text', text: done.text }]);
    if (mode === 'extractive') {
      // Streaming while reasoning streams: the first summary delta comes before the reasoning is done.
      expect(seen.indexOf('response.reasoning_summary_text.delta')).toBeLessThan(
        seen.indexOf('response.reasoning.done'),
      );
    }
  });

  test('openai dialect: openai-node responses.stream() accepts the summary events', async () => {
    const client = new OpenAI({ baseURL: h.baseURL, apiKey: 'k', maxRetries: 0 });
    const stream = client.responses.stream({
      model: 'sim-reasoning',
      input: 'Explain how tides work',
      reasoning: { summary: 'auto' },
    });
    const deltas: string[] = [];
    stream.on('response.reasoning_summary_text.delta', (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    const item = final.output.find((o) => o.type === 'reasoning');
    expect(item?.type === 'reasoning' && item.summary[0]?.text).toBe(deltas.join(''));
    expect(deltas.length).toBeGreaterThan(0);
  });

  test('non-streaming responses carry the summary too; without reasoning.summary there is none', async () => {
    const before = h.simulator?.stats.completed ?? 0;
    const withSummary = (await (
      await postJson(`${h.url}/v1/responses`, {
        model: 'sim-reasoning',
        input: 'Explain how tides work',
        reasoning: { summary: 'concise' },
      })
    ).json()) as { output: { type: string; summary?: unknown[] }[] };
    expect(withSummary.output.find((o) => o.type === 'reasoning')?.summary).toHaveLength(1);
    // Model mode asks the backend a second time for the summary; extractive mode does not.
    expect((h.simulator?.stats.completed ?? 0) - before).toBe(mode === 'model' ? 2 : 1);
    const without = (await (
      await postJson(`${h.url}/v1/responses`, { model: 'sim-reasoning', input: 'Explain how tides work' })
    ).json()) as {
      output: { type: string; summary?: unknown[] }[];
    };
    expect(without.output.find((o) => o.type === 'reasoning')?.summary).toEqual([]);
  });
});

describe('H3 summary lengths', { tags: ['H3'] }, () => {
  test('extractive concise summaries are no longer than detailed ones', async () => {
    const h = await startGateway({ logLevel: 'warn' });
    try {
      const text = async (summary: string): Promise<string> => {
        const r = (await (
          await postJson(`${h.url}/v1/responses`, {
            model: 'sim-reasoning',
            input: 'Explain how tides work in detail',
            reasoning: { summary },
          })
        ).json()) as { output: { type: string; summary: { text: string }[] }[] };
        return r.output.find((o) => o.type === 'reasoning')?.summary[0]?.text ?? '';
      };
      const concise = await text('concise');
      const detailed = await text('detailed');
      expect(concise.length).toBeGreaterThan(0);
      expect(concise.length).toBeLessThanOrEqual(detailed.length);
    } finally {
      await h.close();
    }
  });
});
