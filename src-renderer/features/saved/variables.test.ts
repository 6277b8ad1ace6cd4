import { describe, expect, test } from 'vitest';
import { parseSavedRequests } from '../../../src-server/shared/saved-requests.js';
import { resolveVariables, variablesUsed } from './variables.js';

describe('saved request variables', () => {
  test('text goes inside strings, escaped; a whole-string placeholder takes a JSON value', { tags: ['U1'] }, () => {
    const text = '{"model": "{{model}}", "input": "Weather in {{city}}?", "tools": "{{tools}}"}';
    const out = resolveVariables(text, { model: 'sim-chat', city: 'O"slo', tools: '[{"type":"function","name":"f"}]' });
    expect(JSON.parse(out)).toEqual({
      model: 'sim-chat',
      input: 'Weather in O"slo?',
      tools: [{ type: 'function', name: 'f' }],
    });
    expect(variablesUsed(text)).toEqual(['model', 'city', 'tools']);
  });
  test('unknown placeholders stay as written', { tags: ['U1'] }, () => {
    expect(resolveVariables('{"model": "{{model}}"}', {})).toBe('{"model": "{{model}}"}');
  });
  test('the document format is checked field by field', { tags: ['U1'] }, () => {
    const doc = { format: 'responses-studio-requests', version: 1, collections: [] };
    expect(parseSavedRequests(doc)).toEqual(doc);
    expect(() => parseSavedRequests({ ...doc, version: 2 })).toThrow(/'version' must be 1/);
    expect(() =>
      parseSavedRequests({
        ...doc,
        collections: [{ id: 'c', name: 'C', variables: { 'bad name': 'x' }, requests: [] }],
      }),
    ).toThrow(/invalid name 'bad name'/);
    expect(() =>
      parseSavedRequests({
        ...doc,
        collections: [{ id: 'c', name: 'C', requests: [{ id: 'r', name: '', body: '{}' }] }],
      }),
    ).toThrow(/collections\[0\]\.requests\[0\]\.name' must not be empty/);
  });
});
