/**
 * Sentence segmentation and term statistics for the extractive summarizer.
 *
 * The splitter is incremental and its result does not depend on how the text is chunked: a
 * boundary is decided only once the character after it is known, so streaming and batch
 * segmentation agree exactly. Sentences are trimmed substrings of the input, never rewritten.
 */

const TERMINALS = '.!?…';
const CLOSERS = '"\'”’)]*_`';
/** Very long runs without punctuation (code, lists without periods) are cut at the next space. */
const MAX_SENTENCE_CHARS = 1000;
const ABBREVIATIONS = new Set([
  'e.g.',
  'i.e.',
  'vs.',
  'cf.',
  'mr.',
  'mrs.',
  'ms.',
  'dr.',
  'st.',
  'fig.',
  'approx.',
  'no.',
  'eq.',
]);

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v' || c === '\u00a0';
}

/** True when the period ending `segment` does not end a sentence (abbreviation, list marker, initial). */
function isNonTerminalPeriod(segment: string): boolean {
  const last = /(\S+)$/.exec(segment)?.[1] ?? '';
  if (!last.endsWith('.')) return false;
  if (ABBREVIATIONS.has(last.toLowerCase())) return true;
  // "1." or "a." opening a list item, or an initial such as "J." — the sentence continues.
  return /^(\d{1,3}|[A-Za-z])\.$/.test(last) && segment.trim() === last;
}

export class SentenceSplitter {
  private buf = '';
  /** Scan position inside `buf`; everything before it is decided. */
  private pos = 0;

  /** Adds text; returns the sentences completed by it. */
  push(text: string): string[] {
    this.buf += text;
    const buf = this.buf;
    const out: string[] = [];
    let start = 0;
    let i = this.pos;
    const emit = (end: number, next: number): void => {
      const s = buf.slice(start, end).trim();
      if (s !== '') out.push(s);
      start = next;
    };
    while (i < buf.length) {
      const c = buf[i];
      if (c === '\n') {
        emit(i, i + 1);
        i++;
        continue;
      }
      if (TERMINALS.includes(c)) {
        let j = i + 1;
        while (j < buf.length && (TERMINALS.includes(buf[j]) || CLOSERS.includes(buf[j]))) j++;
        if (j >= buf.length) break; // the next character decides: wait for it
        if (isSpace(buf[j]) && !(c === '.' && isNonTerminalPeriod(buf.slice(start, i + 1)))) emit(j, j);
        i = j;
        continue;
      }
      if (isSpace(c) && i - start >= MAX_SENTENCE_CHARS) emit(i, i);
      i++;
    }
    this.buf = buf.slice(start);
    this.pos = i - start;
    return out;
  }

  /** Ends the text: returns the unfinished last sentence, if any. */
  flush(): string | null {
    const s = this.buf.trim();
    this.buf = '';
    this.pos = 0;
    return s === '' ? null : s;
  }
}

export function splitSentences(text: string): string[] {
  const splitter = new SentenceSplitter();
  const out = splitter.push(text);
  const last = splitter.flush();
  if (last !== null) out.push(last);
  return out;
}

const STOPWORDS = new Set(
  (
    'the and for are but not you all any can had her was one our out has him his how its may new now old see two who ' +
    'did get let put say she too use that with have this will your from they know want been good much some time very ' +
    'when come here just like long make many more only over such take than them well were what which would there ' +
    'their about could other into then these also each where while being does should might must shall maybe okay ' +
    "wait hmm yes yeah think thinking need needs right actually really so let's i'm it's that's"
  ).split(' '),
);

/** Content terms of a sentence: lower-cased words of 3+ letters or digits, without stop words. */
export function termsOf(sentence: string): string[] {
  const words = sentence.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'_-]*/gu) ?? [];
  return words.filter((w) => w.length >= 3 && !STOPWORDS.has(w));
}

/** Sentences shorter than this many words ("Hmm.", "Wait, no.") are not summary material. */
export const MIN_WORDS = 4;

export function wordCount(sentence: string): number {
  return sentence.split(/\s+/).filter((w) => w !== '').length;
}

/** Term-frequency score: summed normalized frequency of distinct terms, damped by sentence length. */
export function scoreSentence(terms: string[], tf: ReadonlyMap<string, number>, maxTf: number): number {
  const distinct = new Set(terms);
  if (distinct.size === 0 || maxTf === 0) return 0;
  let sum = 0;
  for (const t of distinct) sum += (tf.get(t) ?? 0) / maxTf;
  return sum / Math.sqrt(distinct.size);
}

/** Jaccard overlap of term sets: used to skip sentences that repeat an already chosen one. */
export function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const t of a) if (b.has(t)) shared++;
  return shared / (a.size + b.size - shared);
}
