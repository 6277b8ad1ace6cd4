/**
 * The simulator's tokenizer, shared by usage accounting, `/tokenize` and output pacing so that all
 * three agree.
 *
 * Text: a token is a run of letters/digits/underscore, or a single other character, each with the
 * whitespace before it attached (" world", " {"); trailing whitespace is one token. Concatenating
 * the tokens gives the text back. Token ids are FNV-1a hashes of the token text mod VOCAB (+ 16,
 * ids below 16 are the template's special tokens).
 *
 * Chat prompts are rendered like a ChatML template: BOS, then for every message
 * `<start> role <sep> content <end>`, tool definitions (JSON) in a leading tools block, and the
 * generation prompt `<start> assistant <sep>` — so a chat prompt costs 4 + Σ(3 + tokens(role) +
 * tokens(content)) + tools (2 + tokens of the tools JSON).
 */
import { fnv1a } from './prng.js';

export const VOCAB = 100_000;
const BOS = 1;
const START = 2;
const SEP = 3;
const END = 4;
const TOOLS = 5;

const TOKEN = /\s*[\p{L}\p{N}_]+|\s*[^\s\p{L}\p{N}_]|\s+$/gu;

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

export function tokenId(token: string): number {
  return 16 + (fnv1a(token) % VOCAB);
}

export interface PromptMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown;
  reasoning?: unknown;
  reasoning_content?: unknown;
}

/** The text of a message's content (text parts joined; images count as one `<image>` token). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content as { type?: string; text?: string }[]) {
    if (part && typeof part.text === 'string') out += part.text;
    else if (part && part.type === 'image_url') out += '<image>';
  }
  return out;
}

function pushText(ids: number[], text: string): void {
  for (const t of tokenize(text)) ids.push(tokenId(t));
}

/** Token ids of a rendered chat prompt (see the file comment for the template). */
export function promptTokenIds(messages: readonly PromptMessage[], tools?: unknown): number[] {
  const ids = [BOS];
  if (Array.isArray(tools) && tools.length > 0) {
    ids.push(TOOLS);
    pushText(ids, JSON.stringify(tools));
    ids.push(END);
  }
  for (const m of messages) {
    ids.push(START);
    pushText(ids, String(m.role));
    ids.push(SEP);
    pushText(ids, contentText(m.content));
    if (m.tool_calls !== undefined) pushText(ids, JSON.stringify(m.tool_calls));
    ids.push(END);
  }
  ids.push(START);
  pushText(ids, 'assistant');
  ids.push(SEP);
  return ids;
}

export function textTokenIds(text: string): number[] {
  const ids: number[] = [];
  pushText(ids, text);
  return ids;
}
