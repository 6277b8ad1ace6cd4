import { describe, expect, it } from 'vitest';
import { appendText, lastFlattenRead } from './text.js';

describe('appendText', () => {
  it('is the concatenation, across every flattening step', () => {
    let text = '';
    let expected = '';
    for (let i = 0; i < 1000; i++) {
      const piece = i % 7 === 0 ? '' : ` w${i}`;
      text = appendText(text, piece);
      expected += piece;
      expect(text).toBe(expected);
    }
  });

  it('reads a character each time the text passes another 128 characters', () => {
    let text = 'Z';
    for (let i = 0; i < 120; i++) text = appendText(text, 'a');
    expect(text.length).toBe(121);
    text = appendText(text, 'bbbbbbbbbb');
    expect(lastFlattenRead()).toBe('Z'.charCodeAt(0));
  });
});
