import { describe, expect, test } from 'vitest';
import {
  canonicalEventType,
  classifyEventType,
  dialectEventType,
  doneSentinel,
  EXTENSION_EVENT_TYPES,
  isKnownEventType,
  OFFICIAL_EVENT_TYPES,
} from './events.js';

describe('dialects', () => {
  test('open-responses renames reasoning text events; everything else is shared', () => {
    expect(dialectEventType('response.reasoning_text.delta', 'open-responses')).toBe('response.reasoning.delta');
    expect(dialectEventType('response.reasoning_text.done', 'open-responses')).toBe('response.reasoning.done');
    expect(dialectEventType('response.reasoning_text.delta', 'openai')).toBe('response.reasoning_text.delta');
    expect(dialectEventType('response.output_text.delta', 'open-responses')).toBe('response.output_text.delta');
  });

  test('canonicalEventType inverts dialectEventType for every official event', () => {
    for (const dialect of ['openai', 'open-responses'] as const) {
      for (const type of OFFICIAL_EVENT_TYPES)
        expect(canonicalEventType(dialectEventType(type, dialect), dialect)).toBe(type);
    }
    expect(canonicalEventType('response.reasoning_text.delta', 'open-responses')).toBeNull();
  });

  test('H2 response.reasoning.delta is an extension in openai and official in open-responses', { tags: ['H2'] }, () => {
    expect(classifyEventType('response.reasoning.delta', 'openai')).toBe('extension');
    expect(classifyEventType('response.reasoning.delta', 'open-responses')).toBe('official');
    expect(classifyEventType('response.reasoning.done', 'openai')).toBe('other-dialect');
    expect(classifyEventType('response.nope', 'openai')).toBe('unknown');
  });

  test('extension events are known only with extensions on', () => {
    for (const type of EXTENSION_EVENT_TYPES) {
      expect(isKnownEventType(type, 'openai', true)).toBe(true);
      expect(isKnownEventType(type, 'openai', false)).toBe(false);
    }
  });

  test('L5 [DONE] sentinel by dialect and setting', { tags: ['L5'] }, () => {
    expect(doneSentinel('openai', 'auto')).toBe(false);
    expect(doneSentinel('open-responses', 'auto')).toBe(true);
    expect(doneSentinel('openai', 'on')).toBe(true);
    expect(doneSentinel('open-responses', 'off')).toBe(false);
  });
});
