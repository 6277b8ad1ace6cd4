import { describe, expect, test } from 'vitest';
import {
  specEventTypes,
  validateEventAgainstSpec,
  validateRequestAgainstSpec,
  validateResponseAgainstSpec,
} from '../support/open-responses-spec.js';
import { OFFICIAL_EVENT_TYPES, canonicalEventType } from '../../src-server/shared/protocol/events.js';
import { validateCreateRequest } from '../../src-server/shared/protocol/validate-request.js';
import { sample } from './sample-stream.js';

describe('Open Responses spec helper', { tags: ['B1'] }, () => {
  test('knows the 24 streaming events, all of them in our catalogue', () => {
    const types = specEventTypes();
    expect(types).toHaveLength(24);
    const official: readonly string[] = OFFICIAL_EVENT_TYPES;
    for (const type of types) expect(official).toContain(canonicalEventType(type, 'open-responses'));
  });

  test('a valid hand-written event passes and a broken one fails', () => {
    const event = {
      type: 'response.output_text.delta',
      sequence_number: 4,
      item_id: 'msg_1',
      output_index: 0,
      content_index: 0,
      delta: 'Hi',
      logprobs: [],
    };
    expect(validateEventAgainstSpec(event)).toEqual([]);
    expect(validateEventAgainstSpec({ ...event, delta: 5 })).toEqual(['/delta must be string']);
    expect(validateEventAgainstSpec({ ...event, type: 'response.reasoning_text.delta' })[0]).toContain(
      'not a streaming event',
    );
  });

  test('the sample stream text events in the open-responses dialect match the spec', () => {
    const checked = sample('open-responses').filter(
      (e) =>
        /delta|done$/.test(e.type) &&
        !e.type.startsWith('response.output_item') &&
        !e.type.startsWith('response.content_part') &&
        !e.type.includes('summary_part'),
    );
    expect(checked.length).toBeGreaterThan(5);
    for (const e of checked) expect(validateEventAgainstSpec(e), e.type).toEqual([]);
  });

  test('responses and request bodies', () => {
    expect(validateResponseAgainstSpec({ id: 'resp_1' }).length).toBeGreaterThan(0);
    const body = { model: 'm', input: [{ type: 'message', role: 'user', content: 'hi' }], temperature: 0.5 };
    expect(validateRequestAgainstSpec(body)).toEqual([]);
    expect(() => validateCreateRequest(body, { compat: 'strict' })).not.toThrow();
    expect(validateRequestAgainstSpec({ model: 'm', temperature: 'hot' }).length).toBeGreaterThan(0);
  });
});
