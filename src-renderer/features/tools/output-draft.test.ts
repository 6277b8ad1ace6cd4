import { describe, expect, test } from 'vitest';
import { outputDraft } from './output-draft.js';

describe('the tool answer sends what was typed', () => {
  test('JSON mode checks the text and sends it unchanged, never wrapped or re-encoded', { tags: ['U3'] }, () => {
    expect(outputDraft('{"temp_c": 18}', 'json', 'call_1', false)).toEqual({
      output: '{"temp_c": 18}',
      preview: { type: 'function_call_output', call_id: 'call_1', output: '{"temp_c": 18}' },
    });
    expect(outputDraft('{"temp_c": 18', 'json', 'call_1', false)).toMatchObject({ output: null, preview: null });
    expect(outputDraft('  ', 'json', 'call_1', false).error).toMatch(/Type the tool/);
  });
  test('text mode sends any text; session mode previews a tool_outputs entry', { tags: ['U3', 'C1'] }, () => {
    expect(outputDraft('sunny', 'text', 'call_1', true)).toEqual({
      output: 'sunny',
      preview: { call_id: 'call_1', output: 'sunny' },
    });
    expect(outputDraft('', 'text', 'call_1', true).output).toBe('');
  });
});
