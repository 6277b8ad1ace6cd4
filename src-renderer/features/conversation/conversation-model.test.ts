import { describe, expect, test } from 'vitest';
import { sectionsOf } from './conversation-items.js';
import { truncationOf, truncationSummary } from './truncation.js';

describe('X4 conversation view model', { tags: ['X4', 'U2'] }, () => {
  test('items in sections by the response that added them, items added directly on their own', () => {
    const items = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, type: 'message' }));
    const sections = sectionsOf(items, [
      { id: 'resp_1', item_ids: ['b', 'c'], status: 'completed', model: 'sim-chat', stored: true },
      { id: 'resp_2', item_ids: ['e'], status: null, stored: false },
    ]);
    expect(sections.map((s) => [s.responseId, s.items.map((i) => i.id)])).toEqual([
      [null, ['a']],
      ['resp_1', ['b', 'c']],
      [null, ['d']],
      ['resp_2', ['e']],
    ]);
    expect(sections[3]).toMatchObject({ stored: false, status: null });
  });

  test('the truncation headers as a note and one line', () => {
    const note = truncationOf({
      'X-Responses-Truncation':
        'dropped_turns=2; dropped_items=3; input_tokens=900; sent_tokens=350; max_model_len=400',
      'x-responses-truncated-items': 'msg_1, context[4], odd%2Cid, bad%E0',
    });
    expect(note).toEqual({
      measured: true,
      droppedTurns: 2,
      droppedItems: 3,
      inputTokens: 900,
      sentTokens: 350,
      maxModelLen: 400,
      dropped: ['msg_1', 'context[4]', 'odd,id', 'bad%E0'],
    });
    expect(truncationSummary(note!)).toBe(
      'Truncation dropped 3 items (2 oldest turns): the context was 900 tokens, 350 were sent (max_model_len 400).',
    );
    const fits = truncationOf({
      'x-responses-truncation': 'dropped_turns=0; dropped_items=0; input_tokens=9; sent_tokens=9; max_model_len=400',
    });
    expect(truncationSummary(fits!)).toBe('Truncation: the context fits (9 of 400 tokens); nothing was dropped.');
    const unmeasured = truncationOf({
      'x-responses-truncation': "unmeasured; reason=the backend reports no max_model_len for 'x'",
    });
    expect(truncationSummary(unmeasured!)).toBe(
      "Truncation: not measured (the backend reports no max_model_len for 'x').",
    );
    expect(truncationOf({})).toBeNull();
  });
});
