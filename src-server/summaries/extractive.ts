/**
 * Extractive summaries of reasoning text (H3, the default `reasoning.summary` method).
 *
 * A summary is a selection of the reasoning's own sentences, in their original order, joined by a
 * space: nothing is paraphrased or invented, and the same text always gives the same summary.
 * Sentences are scored by term frequency (words the reasoning keeps coming back to), damped by
 * length, with a bonus for the first sentence (the framing of the problem) and the last one
 * (usually the conclusion); near-duplicates of an already chosen sentence are skipped (so
 * reasoning that repeats itself can get fewer sentences than the budget).
 *
 * How many sentences (n = sentences of at least MIN_WORDS words):
 * - concise:  1, or 2 when n ≥ 10;
 * - detailed: a third of n, at least 3 (or n), at most 12;
 * - auto:     √n rounded, between 1 and 6 — short reasoning gets a concise summary, long a fuller one.
 *
 * Streaming (StreamingSummarizer) must decide on each sentence as soon as it completes, without
 * seeing the rest: a sentence is taken when it scores at least the running mean and the budget for
 * the sentences seen so far allows one more. That greedy choice can differ from the batch summary
 * (it cannot go back for a better later sentence, nor know which sentence is last until finish()),
 * in exchange for summary text that streams while the reasoning streams.
 */
import {
  MIN_WORDS,
  SentenceSplitter,
  overlap,
  scoreSentence,
  splitSentences,
  termsOf,
  wordCount,
} from './sentences.js';

export type SummaryDetail = 'auto' | 'concise' | 'detailed';

const FIRST_BONUS = 1.25;
const LAST_BONUS = 1.15;
/** Term-set overlap above which a sentence counts as a repeat. */
const REPEAT_OVERLAP = 0.6;
const JOINER = ' ';

/** Number of sentences a summary of `eligible` candidate sentences gets. */
export function sentenceBudget(detail: SummaryDetail, eligible: number): number {
  if (eligible <= 0) return 0;
  switch (detail) {
    case 'concise':
      return Math.min(eligible, eligible >= 10 ? 2 : 1);
    case 'detailed':
      return Math.min(eligible, Math.max(3, Math.min(12, Math.ceil(eligible / 3))));
    default:
      return Math.min(eligible, Math.max(1, Math.min(6, Math.round(Math.sqrt(eligible)))));
  }
}

interface Candidate {
  index: number;
  text: string;
  terms: Set<string>;
  score: number;
}

/** The chosen sentences, in input order (each one a trimmed substring of `text`). */
export function summarySentences(text: string, detail: SummaryDetail): string[] {
  const sentences = splitSentences(text);
  if (sentences.length === 0) return [];
  const termLists = sentences.map(termsOf);
  const tf = new Map<string, number>();
  for (const terms of termLists) for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  const maxTf = Math.max(0, ...tf.values());

  const all: Candidate[] = sentences.map((s, index) => {
    let score = scoreSentence(termLists[index], tf, maxTf);
    if (index === 0) score *= FIRST_BONUS;
    if (index === sentences.length - 1 && index > 0) score *= LAST_BONUS;
    return { index, text: s, terms: new Set(termLists[index]), score };
  });
  let pool = all.filter((c) => wordCount(c.text) >= MIN_WORDS);
  // Only fragments ("Hmm. Okay."): the best fragment is still better than an empty summary.
  if (pool.length === 0) pool = all;

  const budget = sentenceBudget(detail, pool.length);
  const ranked = [...pool].sort((a, b) => b.score - a.score || a.index - b.index);
  const chosen: Candidate[] = [];
  for (const c of ranked) {
    if (chosen.length >= budget) break;
    if (chosen.some((p) => overlap(p.terms, c.terms) > REPEAT_OVERLAP)) continue;
    chosen.push(c);
  }
  return chosen.sort((a, b) => a.index - b.index).map((c) => c.text);
}

/** Summarizes reasoning text; deterministic, and made only of the input's own sentences. */
export function summarize(text: string, detail: SummaryDetail): string {
  return summarySentences(text, detail).join(JOINER);
}

/**
 * Incremental summary for streamed reasoning. Every call returns the summary text that became
 * ready (possibly ''); the concatenation of all returned strings, including finish()'s, is the
 * final summary (`text`). The result does not depend on how the reasoning is chunked.
 */
export class StreamingSummarizer {
  private readonly splitter = new SentenceSplitter();
  private readonly tf = new Map<string, number>();
  private maxTf = 0;
  private seenEligible = 0;
  private scoreSum = 0;
  private readonly chosen: Set<string>[] = [];
  private best: { text: string; score: number } | null = null;
  private out = '';
  private finished = false;

  constructor(readonly detail: SummaryDetail) {}

  /** The summary so far (after finish(): the final summary). */
  get text(): string {
    return this.out;
  }

  push(delta: string): string {
    if (this.finished) throw new Error('StreamingSummarizer.push() after finish()');
    let ready = '';
    for (const s of this.splitter.push(delta)) ready += this.consider(s, false);
    return ready;
  }

  finish(): string {
    if (this.finished) return '';
    this.finished = true;
    const last = this.splitter.flush();
    let ready = last === null ? '' : this.consider(last, true);
    if (this.chosen.length === 0 && this.best !== null) ready += this.take(this.best.text, new Set());
    return ready;
  }

  private consider(sentence: string, isLast: boolean): string {
    const terms = termsOf(sentence);
    for (const t of terms) {
      const n = (this.tf.get(t) ?? 0) + 1;
      this.tf.set(t, n);
      if (n > this.maxTf) this.maxTf = n;
    }
    let score = scoreSentence(terms, this.tf, this.maxTf);
    if (this.seenEligible === 0) score *= FIRST_BONUS;
    if (isLast) score *= LAST_BONUS;
    if (wordCount(sentence) < MIN_WORDS) {
      if (this.best === null || score > this.best.score) this.best = { text: sentence, score };
      return '';
    }
    this.seenEligible++;
    this.scoreSum += score;
    const mean = this.scoreSum / this.seenEligible;
    const termSet = new Set(terms);
    if (this.chosen.length >= sentenceBudget(this.detail, this.seenEligible)) return '';
    if (score < mean) return '';
    if (this.chosen.some((p) => overlap(p, termSet) > REPEAT_OVERLAP)) return '';
    return this.take(sentence, termSet);
  }

  private take(sentence: string, terms: Set<string>): string {
    const piece = (this.out === '' ? '' : JOINER) + sentence;
    this.chosen.push(terms);
    this.out += piece;
    return piece;
  }
}
