import { describe, expect, test } from 'vitest';
import { StreamingSummarizer, sentenceBudget, summarize, summarySentences, type SummaryDetail } from './extractive.js';
import { splitSentences, SentenceSplitter } from './sentences.js';

const REASONING = [
  'The user asks how many days a train needs to cross a bridge that is 3.5 km long.',
  'Hmm.',
  'The train itself is 500 m long and moves at 10 km per day, e.g. a very slow freight train.',
  'Wait, that speed is unusual, but the question states it explicitly.',
  'To cross the bridge completely, the front of the train must travel the bridge length plus the train length.',
  'So the distance is 3.5 km plus 0.5 km, which gives 4 km in total.',
  'At 10 km per day, covering 4 km takes 0.4 days.',
  'Let me double-check the units: kilometres and days are consistent, so no conversion is needed.',
  'Okay.',
  'Some people would forget the train length and answer 0.35 days, which is the common mistake.',
  'The train length matters because the last car must also leave the bridge.',
  '0.4 days is 9.6 hours, which might be a friendlier way to state the answer.',
  'I should give both forms of the answer.',
  'The bridge length and the train length together decide the distance the train travels.',
  'Therefore the train needs 0.4 days, about 9.6 hours, to cross the bridge.',
].join(' ');

/** Every chunking of the text into pieces of `size` characters. */
function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function stream(text: string, detail: SummaryDetail, size: number): { deltas: string[]; final: string } {
  const s = new StreamingSummarizer(detail);
  const deltas = chunks(text, size).map((c) => s.push(c));
  deltas.push(s.finish());
  return { deltas, final: s.text };
}

describe('H3 sentence splitting', { tags: ['H3'] }, () => {
  test('splits on terminal punctuation and newlines, keeps decimals, abbreviations and list markers inside sentences', () => {
    expect(
      splitSentences('A is 3.5 km. B, e.g. this one, is fine!\n1. First step here\nDone? Yes… "Quoted." End'),
    ).toEqual([
      'A is 3.5 km.',
      'B, e.g. this one, is fine!',
      '1. First step here',
      'Done?',
      'Yes…',
      '"Quoted."',
      'End',
    ]);
  });

  test('segmentation does not depend on chunk boundaries', () => {
    const whole = splitSentences(REASONING);
    for (const size of [1, 2, 3, 7, 50]) {
      const splitter = new SentenceSplitter();
      const got = chunks(REASONING, size).flatMap((c) => splitter.push(c));
      const last = splitter.flush();
      if (last !== null) got.push(last);
      expect(got, `chunk size ${size}`).toEqual(whole);
    }
  });

  test('very long runs without punctuation are cut at a space, never inside a word', () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const parts = splitSentences(words);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join(' ')).toBe(words);
  });
});

describe('H3 extractive summaries', { tags: ['H3'] }, () => {
  test('deterministic: the same text gives the same summary', () => {
    for (const detail of ['auto', 'concise', 'detailed'] as const) {
      expect(summarize(REASONING, detail)).toBe(summarize(REASONING, detail));
    }
  });

  test('concise is shorter than detailed, auto in between for this length', () => {
    const concise = summarySentences(REASONING, 'concise');
    const auto = summarySentences(REASONING, 'auto');
    const detailed = summarySentences(REASONING, 'detailed');
    expect(concise.length).toBe(2); // 13 candidate sentences ≥ 10
    expect(detailed.length).toBe(5);
    expect(auto.length).toBeGreaterThan(concise.length);
    expect(auto.length).toBeLessThanOrEqual(detailed.length);
    expect(summarize(REASONING, 'concise').length).toBeLessThan(summarize(REASONING, 'detailed').length);
  });

  test('never outputs text that is not in the input: whole sentences, in input order', () => {
    for (const detail of ['auto', 'concise', 'detailed'] as const) {
      const picked = summarySentences(REASONING, detail);
      let from = 0;
      for (const s of picked) {
        const at = REASONING.indexOf(s, from);
        expect(at, s).toBeGreaterThanOrEqual(from);
        from = at + s.length;
      }
      expect(summarize(REASONING, detail)).toBe(picked.join(' '));
    }
  });

  test('picks substance over filler and keeps the conclusion', () => {
    const detailed = summarySentences(REASONING, 'detailed');
    expect(detailed).not.toContain('Hmm.');
    expect(detailed).not.toContain('Okay.');
    expect(detailed).toContain('Therefore the train needs 0.4 days, about 9.6 hours, to cross the bridge.');
  });

  test('repeated sentences are not chosen twice', () => {
    const text =
      'The cache key must be validated before sending. The cache key must be validated before sending! ' +
      'Then the request goes to vLLM with the salt attached. Finally the response echoes the cache key back.';
    const picked = summarySentences(text, 'detailed');
    expect(picked).toHaveLength(3);
    expect(picked.filter((s) => s.startsWith('The cache key must be validated'))).toHaveLength(1);
  });

  test('short, empty and fragment-only inputs', () => {
    expect(summarize('', 'detailed')).toBe('');
    expect(summarize('   \n ', 'auto')).toBe('');
    expect(summarize('Only one sentence here, really.', 'concise')).toBe('Only one sentence here, really.');
    expect(summarize('Hmm. Okay. Wait, no.', 'concise')).toMatch(/^(Hmm\.|Okay\.|Wait, no\.)$/);
  });

  test('sentence budgets by detail', () => {
    expect([1, 4, 9, 10, 30].map((n) => sentenceBudget('concise', n))).toEqual([1, 1, 1, 2, 2]);
    expect([1, 2, 4, 9, 12, 30, 90].map((n) => sentenceBudget('detailed', n))).toEqual([1, 2, 3, 3, 4, 10, 12]);
    expect([1, 4, 9, 16, 100].map((n) => sentenceBudget('auto', n))).toEqual([1, 2, 3, 4, 6]);
    expect(sentenceBudget('detailed', 0)).toBe(0);
  });
});

describe('H3 streaming summaries', { tags: ['H3'] }, () => {
  test('the concatenation of all deltas is the final summary, for every detail and chunking', () => {
    for (const detail of ['auto', 'concise', 'detailed'] as const) {
      for (const size of [1, 5, 16, 1000]) {
        const { deltas, final } = stream(REASONING, detail, size);
        expect(deltas.join('')).toBe(final);
        expect(final.length).toBeGreaterThan(0);
      }
    }
  });

  test('the result does not depend on how the reasoning is chunked', () => {
    for (const detail of ['auto', 'concise', 'detailed'] as const) {
      const reference = stream(REASONING, detail, 1000).final;
      for (const size of [1, 3, 7, 64]) expect(stream(REASONING, detail, size).final).toBe(reference);
    }
  });

  test('summary text streams before the reasoning ends', () => {
    const { deltas } = stream(REASONING, 'detailed', 20);
    const firstNonEmpty = deltas.findIndex((d) => d !== '');
    expect(firstNonEmpty).toBeGreaterThanOrEqual(0);
    expect(firstNonEmpty).toBeLessThan(deltas.length - 1);
  });

  test('every streamed piece is a sentence of the input, in order; concise streams less than detailed', () => {
    const pieces = (detail: SummaryDetail): string[] =>
      stream(REASONING, detail, 9)
        .deltas.filter((d) => d !== '')
        .map((d) => d.replace(/^ /, ''));
    let from = 0;
    for (const p of pieces('detailed')) {
      const at = REASONING.indexOf(p, from);
      expect(at, p).toBeGreaterThanOrEqual(from);
      from = at + p.length;
    }
    expect(pieces('concise').length).toBeLessThan(pieces('detailed').length);
  });

  test('fragment-only reasoning still yields a summary at finish(); push after finish is an error', () => {
    const s = new StreamingSummarizer('concise');
    expect(s.push('Hmm. ')).toBe('');
    expect(s.push('Okay.')).toBe('');
    const last = s.finish();
    expect(['Hmm.', 'Okay.']).toContain(last);
    expect(s.text).toBe(last);
    expect(s.finish()).toBe('');
    expect(() => s.push('more')).toThrow();
  });

  test('empty reasoning gives an empty summary', () => {
    const s = new StreamingSummarizer('auto');
    expect(s.push('')).toBe('');
    expect(s.finish()).toBe('');
    expect(s.text).toBe('');
  });
});
