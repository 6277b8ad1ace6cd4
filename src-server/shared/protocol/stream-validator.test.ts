import { describe, expect, test } from 'vitest';
import { number, sample, sampleEvents, type SampleEvent } from '../../../tests/protocol/sample-stream.js';
import { StreamValidator, validateStream, VALIDATOR_RULES, type StreamViolation } from './stream-validator.js';

type Events = ReturnType<typeof sampleEvents>;

function rules(violations: StreamViolation[]): string[] {
  return [...new Set(violations.map((v) => v.rule))];
}

/** Index of the first event of a type (canonical name) in the sample. */
function at(events: Events, type: string, nth = 0): number {
  let seen = 0;
  for (let i = 0; i < events.length; i++) if (events[i].type === type && seen++ === nth) return i;
  throw new Error(`no ${type} #${nth}`);
}

function mutated(change: (events: Events) => void): SampleEvent[] {
  const events = structuredClone(sampleEvents());
  change(events);
  return number(events);
}

describe('L1 stream validator: a correct stream', { tags: ['L1'] }, () => {
  test('passes in the openai dialect', () => {
    expect(validateStream(sample('openai'))).toEqual([]);
  });

  test('passes in the open-responses dialect (response.reasoning.* names)', () => {
    const events = sample('open-responses');
    expect(events.some((e) => e.type === 'response.reasoning.delta')).toBe(true);
    expect(validateStream(events, { dialect: 'open-responses' })).toEqual([]);
  });

  test('passes with the error → response.failed ending and extension events in between', () => {
    const events = sampleEvents().slice(0, 2);
    events.push({ type: 'error', error: { code: 'backend_error', message: 'boom', param: null } });
    events.push({
      type: 'response.error',
      error: { type: 'server_error', code: 'backend_error', message: 'boom', param: null },
      response: { id: 'resp_abc', object: 'response', status: 'failed', output: [] },
    });
    events.push({ type: 'response.failed', response: { id: 'resp_abc', status: 'failed', output: [] } });
    expect(validateStream(number(events), { extensions: true })).toEqual([]);
  });

  test('passes a background stream: created, queued, in_progress', () => {
    const events = sampleEvents();
    events.splice(1, 0, { type: 'response.queued', response: { id: 'resp_abc', status: 'queued', output: [] } });
    expect(validateStream(number(events))).toEqual([]);
  });

  test('event.wrong-dialect: openai names in an open-responses stream', () => {
    const events = sample('openai');
    // The skipped reasoning events also leave the part unfinished; only the names matter here.
    const found = validateStream(events, { dialect: 'open-responses' }).filter((v) => v.rule === 'event.wrong-dialect');
    expect(found.map((v) => v.eventType)).toEqual([
      'response.reasoning_text.delta',
      'response.reasoning_text.delta',
      'response.reasoning_text.done',
    ]);
  });

  test('every rule is documented', () => {
    for (const rule of Object.keys(VALIDATOR_RULES)) expect(VALIDATOR_RULES[rule].length).toBeGreaterThan(10);
  });
});

describe('L1 stream validator: each rule fails', { tags: ['L1'] }, () => {
  const cases: Array<[rule: string, change: (events: Events) => void]> = [
    [
      'event.shape',
      (e) => {
        e[5].type = '';
      },
    ],
    [
      'event.shape',
      (e) => {
        e[at(e, 'response.output_text.delta')].delta = 5;
      },
    ],
    [
      'event.unknown-type',
      (e) => {
        e.splice(3, 0, { type: 'response.made_up' });
      },
    ],
    [
      'event.unknown-type',
      (e) => {
        e.splice(3, 0, { type: 'response.ping' });
      },
    ],
    [
      'event.wrong-dialect',
      (e) => {
        e[at(e, 'response.reasoning_text.done')].type = 'response.reasoning.done';
      },
    ],
    [
      'lifecycle.first',
      (e) => {
        e.shift();
      },
    ],
    [
      'lifecycle.order',
      (e) => {
        e.splice(1, 1);
      },
    ],
    [
      'lifecycle.order',
      (e) => {
        e.splice(2, 0, { ...e[0] });
      },
    ],
    [
      'lifecycle.order',
      (e) => {
        e.splice(2, 0, { type: 'response.queued', response: { id: 'resp_abc' } });
      },
    ],
    [
      'lifecycle.error',
      (e) => {
        e.splice(3, 0, { type: 'error', error: { code: 'x', message: 'y' } });
      },
    ],
    [
      'lifecycle.after-terminal',
      (e) => {
        e.push({
          type: 'response.output_item.added',
          output_index: 3,
          item: { id: 'x', type: 'message', content: [] },
        });
      },
    ],
    [
      'lifecycle.missing-terminal',
      (e) => {
        e.pop();
      },
    ],
    [
      'response.id',
      (e) => {
        e[1].response = { id: 'resp_other', status: 'in_progress', output: [] };
      },
    ],
    [
      'response.id',
      (e) => {
        delete e[0].response;
      },
    ],
    [
      'response.status',
      (e) => {
        (e[e.length - 1].response as { status: string }).status = 'failed';
      },
    ],
    [
      'response.output',
      (e) => {
        (e[e.length - 1].response as { output: unknown[] }).output.reverse();
      },
    ],
    [
      'response.output',
      (e) => {
        (e[e.length - 1].response as { output: unknown[] }).output.pop();
      },
    ],
    [
      'item.index',
      (e) => {
        e[at(e, 'response.output_item.added', 1)].output_index = 5;
      },
    ],
    [
      'item.id',
      (e) => {
        (e[at(e, 'response.output_item.added', 1)].item as { id: string }).id = 'rs_1';
      },
    ],
    [
      'item.id',
      (e) => {
        delete (e[at(e, 'response.output_item.added')].item as { id?: string }).id;
      },
    ],
    [
      'item.id',
      (e) => {
        // The third item repeats the second's id (not the first's).
        const second = (e[at(e, 'response.output_item.added', 1)].item as { id: string }).id;
        (e[at(e, 'response.output_item.added', 2)].item as { id: string }).id = second;
      },
    ],
    [
      'item.empty',
      (e) => {
        (e[at(e, 'response.output_item.added', 2)].item as { arguments: string }).arguments = '{';
      },
    ],
    [
      'item.empty',
      (e) => {
        (e[at(e, 'response.output_item.added', 1)].item as { content: unknown[] }).content = [
          { type: 'output_text', text: 'x' },
        ];
      },
    ],
    [
      'item.open',
      (e) => {
        e[at(e, 'response.output_text.delta')].item_id = 'msg_other';
      },
    ],
    [
      'item.open',
      (e) => {
        e[at(e, 'response.output_text.delta')].output_index = 0;
      },
    ],
    [
      'item.open',
      (e) => {
        e.splice(at(e, 'response.output_item.added', 1), 0, { ...e[at(e, 'response.reasoning_text.delta')] });
      },
    ],
    [
      'item.unfinished',
      (e) => {
        e.splice(at(e, 'response.output_item.done', 2), 1);
      },
    ],
    [
      'item.done-order',
      (e) => {
        e.splice(at(e, 'response.content_part.done', 1), 1);
      },
    ],
    [
      'item.done-order',
      (e) => {
        e.splice(at(e, 'response.function_call_arguments.done'), 1);
      },
    ],
    [
      'part.index',
      (e) => {
        e[at(e, 'response.content_part.added', 1)].content_index = 1;
      },
    ],
    [
      'part.index',
      (e) => {
        e[at(e, 'response.reasoning_summary_part.added')].summary_index = 2;
      },
    ],
    [
      'part.empty',
      (e) => {
        e[at(e, 'response.content_part.added', 1)].part = { type: 'output_text', text: 'x', annotations: [] };
      },
    ],
    [
      'part.open',
      (e) => {
        const i = at(e, 'response.content_part.added', 1);
        e.splice(i, 0, { ...e[i + 1] });
      },
    ],
    [
      'part.open',
      (e) => {
        const i = at(e, 'response.output_item.done', 1);
        e.splice(i, 0, { ...e[at(e, 'response.output_text.delta')] });
      },
    ],
    [
      'part.open',
      (e) => {
        e[at(e, 'response.output_text.delta')].type = 'response.refusal.delta';
      },
    ],
    [
      'part.done-order',
      (e) => {
        const i = at(e, 'response.output_text.done');
        const [done] = e.splice(i, 1);
        e.splice(i + 1, 0, done);
      },
    ],
    [
      'text.concat',
      (e) => {
        e[at(e, 'response.output_text.done')].text = 'Hello there';
      },
    ],
    [
      'text.concat',
      (e) => {
        e[at(e, 'response.reasoning_text.done')].text = 'think';
      },
    ],
    [
      'text.concat',
      (e) => {
        e[at(e, 'response.reasoning_summary_text.done')].text = 'Plan';
      },
    ],
    [
      'text.concat',
      (e) => {
        e[at(e, 'response.function_call_arguments.done')].arguments = '{}';
      },
    ],
    [
      'text.concat',
      (e) => {
        e[at(e, 'response.content_part.done', 1)].part = { type: 'output_text', text: 'Hello', annotations: [] };
      },
    ],
    [
      'text.concat',
      (e) => {
        e[at(e, 'response.output_item.done', 1)].item = {
          id: 'msg_1',
          type: 'message',
          content: [{ type: 'output_text', text: 'Bye' }],
        };
      },
    ],
  ];

  test.each(cases)('%s', (rule, change) => {
    expect(rules(validateStream(mutated(change)))).toContain(rule);
  });

  test('sequence.missing and sequence.order', () => {
    const events = sample();
    delete (events[3] as Partial<SampleEvent>).sequence_number;
    expect(rules(validateStream(events))).toContain('sequence.missing');
    const gap = sample();
    for (const e of gap.slice(4)) e.sequence_number += 3;
    const found = validateStream(gap).filter((v) => v.rule === 'sequence.order');
    // One gap is reported once: the validator resynchronises after it.
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ sequenceNumber: 7, eventType: gap[4].type });
    const start = sample();
    for (const e of start) e.sequence_number += 1;
    expect(rules(validateStream(start))).toContain('sequence.order');
  });

  test('sse.event-name, sse.type-newline and event.size need wire information', () => {
    const v = new StreamValidator({ maxEventBytes: 100 });
    const events = sample();
    expect(v.check(events[0], { sseEventName: 'response.created', bytes: 80 })).toEqual([]);
    expect(rules(v.check(events[1], { sseEventName: 'response.completed', bytes: 80 }))).toEqual(['sse.event-name']);
    expect(rules(v.check(events[2], { bytes: 101 }))).toEqual(['event.size']);
    // Without a byte count the size is measured from the JSON.
    const big = { ...events[3], part: { type: 'reasoning_text', text: '' }, pad: 'x'.repeat(200) };
    expect(rules(v.check(big))).toContain('event.size');
    const lf = new StreamValidator();
    expect(rules(lf.check({ ...events[0], type: 'response.created\ndata: x' }))).toContain('sse.type-newline');
  });

  test('extension events pass when extensions are on, in the openai dialect too', () => {
    const events = sampleEvents();
    events.splice(5, 0, {
      type: 'response.reasoning.delta',
      item_id: 'rs_1',
      output_index: 0,
      content_index: 0,
      delta: 'think ',
    });
    events.splice(2, 0, { type: 'response.rate_limits.updated', rate_limits: [] });
    expect(validateStream(number(events), { extensions: true })).toEqual([]);
    expect(rules(validateStream(number(events), { extensions: false }))).toEqual(['event.unknown-type']);
  });

  test('violations carry the event and are kept on the validator', () => {
    const v = new StreamValidator();
    const events = mutated((e) => {
      e[at(e, 'response.output_text.done')].text = 'nope';
    });
    for (const e of events) v.check(e);
    v.finish();
    expect(v.violations).toEqual([
      { rule: 'text.concat', eventType: 'response.output_text.done', sequenceNumber: 17, message: expect.any(String) },
    ]);
  });

  test('an empty stream misses its terminal event', () => {
    expect(rules(new StreamValidator().finish())).toEqual(['lifecycle.missing-terminal']);
  });
});
