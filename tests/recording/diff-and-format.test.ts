import { describe, expect, test } from 'vitest';
import { diffRuns, diffSequence, MIN_RATE_SPAN_MS, tokenRate } from '../../src-server/shared/recording-format/diff.js';
import {
  parseJsonl,
  RecordingFormatError,
  toJsonl,
  type RecordedRun,
  type RunEvent,
} from '../../src-server/shared/recording-format/format.js';
import { toHar } from '../../src-server/recording/har.js';
import { Redactor, secretsFromConfig } from '../../src-server/recording/redact.js';
import { SseSplitter } from '../../src-server/shared/recording-format/sse-split.js';
import { recordedRun } from '../support/recorded-run.js';

const sse = (type: string, payload: Record<string, unknown>): string =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;

function textRun(
  id: string,
  text: string[],
  opts: { drop?: string; stepMs?: number; respId?: string } = {},
): RecordedRun {
  const resp = (status: string, out: string) => ({
    id: opts.respId ?? `resp_${id}`,
    object: 'response',
    created_at: 1,
    status,
    model: 'sim-chat',
    output: out
      ? [{ id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: out }] }]
      : [],
    usage: { input_tokens: 3, output_tokens: text.length, total_tokens: 3 + text.length },
  });
  const types: [string, Record<string, unknown>][] = [
    ['response.created', { response: resp('in_progress', '') }],
    ['response.output_item.added', { output_index: 0 }],
    ['response.content_part.added', { output_index: 0 }],
    ...text.map((t): [string, Record<string, unknown>] => [
      'response.output_text.delta',
      { delta: t, item_id: 'msg_1' },
    ]),
    ['response.output_text.done', { text: text.join('') }],
    ['response.content_part.done', {}],
    ['response.output_item.done', {}],
    ['response.completed', { response: resp('completed', text.join('')) }],
  ];
  const events: RunEvent[] = types
    .filter(([t]) => t !== opts.drop)
    .map(([type, payload], seq) => ({
      seq,
      offsetMs: 10 + seq * (opts.stepMs ?? 5),
      type,
      data: sse(type, { sequence_number: seq, ...payload }),
    }));
  return recordedRun(events, { id, sessionId: 'ses_1', responseId: `resp_${id}`, durationMs: 100 });
}

describe('recording diff (record/replay)', () => {
  test('finds a deliberately removed response.output_text.done', () => {
    const a = textRun('a', ['Hel', 'lo']);
    const b = textRun('b', ['Hel', 'lo'], { drop: 'response.output_text.done' });
    const diff = diffRuns(a, b);
    expect(diff.equal).toBe(false);
    expect(diff.missing).toEqual(['response.output_text.done']);
    expect(diff.extra).toEqual([]);
    expect(diff.response).toEqual([]);
  });

  test('two runs that differ only in ids and timing are equal; timing is compared', { tags: ['U6'] }, () => {
    const diff = diffRuns(
      textRun('a', ['x', 'y', 'z'], { stepMs: 125 }),
      textRun('b', ['x', 'y', 'z'], { stepMs: 250 }),
    );
    expect(diff.equal).toBe(true);
    expect(diff.timing.a.ttftMs).toBe(385);
    expect(diff.timing.b.ttftMs).toBe(760);
    // 2 tokens after the first over 250 ms vs 500 ms.
    expect(diff.timing.a.tokensPerSecond).toBeCloseTo(8);
    expect(diff.timing.b.tokensPerSecond).toBeCloseTo(4);
  });

  test('tokens/s is not computed over deltas that arrived within MIN_RATE_SPAN_MS', { tags: ['U6'] }, () => {
    // Two tokens 10 ms apart would read as 100 tokens/s; a 1 ms span as 1,000/s: no figure instead.
    const diff = diffRuns(textRun('a', ['x', 'y', 'z']), textRun('b', ['x'], { stepMs: 10 }));
    expect(diff.timing.a.tokensPerSecond).toBeNull();
    expect(diff.timing.b.tokensPerSecond).toBeNull();
    expect(tokenRate(2, MIN_RATE_SPAN_MS - 1)).toBeNull();
    expect(tokenRate(1, 10_000)).toBeNull();
    expect(tokenRate(11, 2000)).toBe(5);
  });

  test('different text shows in the final response diff; extra events are extra', () => {
    const diff = diffRuns(textRun('a', ['x']), textRun('b', ['x', 'q']));
    expect(diff.extra).toEqual(['response.output_text.delta']);
    expect(diff.response.map((c) => c.path)).toEqual([
      'output[0].content[0].text',
      'usage.output_tokens',
      'usage.total_tokens',
    ]);
  });

  test('reordered types are reported as reordered, not as missing and extra', () => {
    const ops = diffSequence(['a', 'b', 'c', 'd'], ['a', 'c', 'b', 'd']);
    expect(ops.filter((o) => o.op !== 'same')).toHaveLength(2);
    const a = textRun('a', ['x']);
    const b = textRun('b', ['x']);
    [b.events[1], b.events[2]] = [b.events[2], b.events[1]];
    const diff = diffRuns(a, b);
    expect(diff.reordered).toHaveLength(1);
    expect(diff.missing).toEqual([]);
    expect(diff.extra).toEqual([]);
  });
});

describe('recording file format v1', () => {
  test('JSON Lines round trip keeps runs, events and actions in time order', () => {
    const run = textRun('a', ['x', 'y']);
    run.actions.push({
      seq: 1,
      offsetMs: 21,
      action: 'tool_outputs',
      data: { tool_outputs: [{ call_id: 'c1', output: '1' }] },
    });
    const text = toJsonl({
      sessionId: 'ses_1',
      exportedAt: '2026-01-01T00:00:00.000Z',
      runs: [run, textRun('b', ['z'])],
    });
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind?: string; format?: string; version?: number });
    expect(lines[0]).toMatchObject({ format: 'responses-studio-recording', version: 1, runs: 2 });
    // The action (21 ms) sits between the events at 20 ms and 25 ms.
    expect(lines.slice(1, 8).map((l) => l.kind)).toEqual([
      'run',
      'event',
      'event',
      'event',
      'action',
      'event',
      'event',
    ]);
    const back = parseJsonl(text);
    expect(back.runs).toHaveLength(2);
    expect(back.runs[0]).toEqual(run);
  });

  test('malformed files are refused with the line number', () => {
    expect(() => parseJsonl('{"format":"other"}\n')).toThrow(RecordingFormatError);
    expect(() => parseJsonl('{"format":"responses-studio-recording","version":1}\n{"kind":"event","seq":0}\n')).toThrow(
      /line 2/,
    );
    expect(() => parseJsonl('{"format":"responses-studio-recording","version":99}\n')).toThrow(/version/);
  });

  test('HAR 1.2 export carries the exact body and per-event timing in _sseEvents', () => {
    const run = textRun('a', ['x']);
    const har = toHar({ sessionId: 'ses_1', exportedAt: '', runs: [run] });
    expect(har.log.version).toBe('1.2');
    const entry = har.log.entries[0];
    expect(entry.response.content.text).toBe(run.events.map((e) => e.data).join(''));
    expect(entry._sseEvents.map((e) => [e.offsetMs, e.type])).toEqual(run.events.map((e) => [e.offsetMs, e.type]));
    expect(entry.request.postData?.text).toBe(JSON.stringify(run.request.body));
  });
});

describe('SSE splitting and redaction', () => {
  test('events cut at any byte boundary come back whole and exact', () => {
    const stream = sse('response.created', { a: 1 }) + ': keep-alive\n\n' + 'data: [DONE]\n\n';
    for (let cut = 1; cut < stream.length; cut += 7) {
      const s = new SseSplitter();
      const pieces = [...s.push(stream.slice(0, cut)), ...s.push(stream.slice(cut))];
      expect(pieces.map((p) => p.type)).toEqual(['response.created', 'sse.comment', '[DONE]']);
      expect(pieces.map((p) => p.data).join('')).toBe(stream);
    }
  });

  test('configured secrets are found by key name and replaced everywhere', () => {
    const secrets = secretsFromConfig({
      backendApiKey: 'sk-back-123456',
      apiKeys: ['gw-key-abcdef'],
      port: 8080,
      dialect: 'openai',
    });
    expect(secrets).toEqual(['sk-back-123456', 'gw-key-abcdef']);
    const r = new Redactor(secrets);
    expect(r.json({ input: 'use sk-back-123456 please', nested: ['gw-key-abcdef'] })).toEqual({
      input: 'use [REDACTED] please',
      nested: ['[REDACTED]'],
    });
    expect(r.headers({ Authorization: 'Bearer x', 'x-other': 'gw-key-abcdef!' })).toEqual({
      authorization: '[REDACTED]',
      'x-other': '[REDACTED]!',
    });
  });
});
