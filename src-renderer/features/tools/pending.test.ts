import { describe, expect, test } from 'vitest';
import { toReceivedEvent } from '../../lib/gateway-client.js';
import { applyEvent, newRun } from '../timeline/run-model.js';
import { checkAgainstSchema, defaultForSchema, functionCalls, type JsonSchema } from './pending.js';

const schema: JsonSchema = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] }, days: { type: 'integer' } },
  required: ['city'],
  additionalProperties: false,
};

describe('tool call arguments checked against the tool schema', () => {
  test('valid arguments have no problems', () => {
    expect(checkAgainstSchema({ city: 'Paris', unit: 'c', days: 2 }, schema)).toEqual([]);
  });
  test('missing, extra, wrong type and out-of-enum values are named', () => {
    expect(checkAgainstSchema({ unit: 'k', days: 1.5, extra: true }, schema)).toEqual([
      "$: missing required property 'city'",
      '$.unit: must be one of "c", "f"',
      '$.days: expected integer, got number',
      "$: unexpected property 'extra'",
    ]);
  });
  test('form defaults follow the schema', () => {
    expect(defaultForSchema(schema)).toEqual({ city: '', unit: 'c', days: 0 });
  });
  test('E7 invalid JSON arguments are flagged, not rewritten', { tags: ['E7'] }, () => {
    const run = newRun('r', { tools: [{ type: 'function', name: 'get_weather', parameters: schema }] }, {}, 0);
    const ev = (data: object, t: number) => applyEvent(run, toReceivedEvent(undefined, JSON.stringify(data), t));
    ev(
      {
        type: 'response.output_item.added',
        output_index: 0,
        item: { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '' },
      },
      1,
    );
    ev({ type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 0, delta: '{"city": "Par' }, 2);
    let [call] = functionCalls(run);
    expect(call.complete).toBe(false);
    expect(call.problems).toEqual([]);
    ev(
      {
        type: 'response.output_item.done',
        output_index: 0,
        item: {
          id: 'fc_1',
          type: 'function_call',
          call_id: 'call_1',
          name: 'get_weather',
          arguments: '{"city": "Par',
          status: 'completed',
        },
      },
      3,
    );
    [call] = functionCalls(run);
    expect(call.arguments).toBe('{"city": "Par');
    expect(call.problems[0]).toMatch(/not valid JSON/);
  });
});
