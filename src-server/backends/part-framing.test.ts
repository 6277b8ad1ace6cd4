import { describe, expect, test } from 'vitest';
import type { ModelPart } from './contract.js';
import { PartFramer } from './part-framing.js';

function frame(parts: ModelPart[]): string[] {
  const framer = new PartFramer();
  const out: ModelPart[] = [];
  for (const part of parts) framer.push(part, out);
  return out.map((p) => (p.type === 'tool-call-end' ? `tool-call-end:${p.index}` : p.type));
}

describe('PartFramer', { tags: ['B3'] }, () => {
  test('reasoning then text: each is its own item', () => {
    expect(
      frame([
        { type: 'reasoning-delta', text: 'r' },
        { type: 'reasoning-delta', text: 's' },
        { type: 'text-delta', text: 't' },
        { type: 'usage', usage: { inputTokens: 1, outputTokens: 1 } },
        { type: 'finish', reason: 'stop' },
      ]),
    ).toEqual([
      'reasoning-start',
      'reasoning-delta',
      'reasoning-delta',
      'reasoning-end',
      'text-start',
      'text-delta',
      'usage',
      'finish',
    ]);
  });

  test('parallel tool calls stay open together and end in start order when text follows', () => {
    expect(
      frame([
        { type: 'text-delta', text: 'calling' },
        { type: 'tool-call-start', index: 1, callId: 'call_b', name: 'b' },
        { type: 'tool-call-start', index: 0, callId: 'call_a', name: 'a' },
        { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
        { type: 'tool-call-start', index: 1, callId: 'call_b', name: 'b' },
        { type: 'text-delta', text: 'done' },
        { type: 'error', error: new Error('x') as never },
      ]),
    ).toEqual([
      'text-start',
      'text-delta',
      'text-end',
      'tool-call-start',
      'tool-call-start',
      'tool-call-delta',
      'tool-call-start',
      'tool-call-end:1',
      'tool-call-end:0',
      'text-start',
      'text-delta',
      'error',
    ]);
  });

  test('empty deltas open nothing; explicit boundaries keep the framer in step', () => {
    expect(
      frame([
        { type: 'text-delta', text: '' },
        { type: 'text-start' },
        { type: 'text-delta', text: 'a' },
        { type: 'text-end' },
        { type: 'text-delta', text: 'b' },
        { type: 'finish', reason: 'stop' },
      ]),
    ).toEqual(['text-delta', 'text-start', 'text-delta', 'text-end', 'text-start', 'text-delta', 'finish']);
  });

  test(
    'E1 arguments for a call whose item has ended are an error part; a call started again is open again',
    { tags: ['E1'] },
    () => {
      const call: ModelPart = { type: 'tool-call-start', index: 0, callId: 'call_a', name: 'f' };
      const args: ModelPart = { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' };
      const text: ModelPart = { type: 'text-delta', text: 'x' };
      expect(frame([call, args, text, args])).toEqual([
        'tool-call-start',
        'tool-call-delta',
        'tool-call-end:0',
        'text-start',
        'text-delta',
        'error',
      ]);
      expect(frame([call, { type: 'tool-call-end', index: 0 }, args])).toEqual([
        'tool-call-start',
        'tool-call-end:0',
        'error',
      ]);
      expect(frame([call, text, call, args])).toEqual([
        'tool-call-start',
        'tool-call-end:0',
        'text-start',
        'text-delta',
        'text-end',
        'tool-call-start',
        'tool-call-delta',
      ]);
    },
  );
});
