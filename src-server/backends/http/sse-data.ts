/**
 * Server-Sent Events → the `data` payload of each event, fed with raw socket chunks.
 *
 * Hot path (one call per upstream socket read): bytes are decoded with a streaming UTF-8 decoder
 * (a code point split across reads is held back), lines are cut with indexOf, and only `data:`
 * lines are kept; `event:`, `id:`, `retry:` and comments carry nothing the decoders need (vLLM's
 * Responses events repeat their type in the data). Follows the WHATWG parsing rules the streams
 * rely on: CRLF, LF and lone CR end lines,
 * one optional space after the colon is dropped, several `data:` lines join with LF, a blank line
 * dispatches, and an event left without its blank line at the end of the body is dropped.
 */
import { StringDecoder } from 'node:string_decoder';

export class SseDataDecoder {
  private readonly text = new StringDecoder('utf8');
  /** The unterminated tail of the last read. */
  private rest = '';
  /** `data:` lines of the event being read (null: none yet). */
  private data: string | null = null;
  /** The previous read ended on CR: an LF at the start of this one belongs to it. */
  private skipLf = false;

  constructor(private readonly onData: (data: string) => void) {}

  push(chunk: Buffer): void {
    let input = this.text.write(chunk);
    if (input === '') return;
    if (this.skipLf) {
      this.skipLf = false;
      if (input.charCodeAt(0) === 10) input = input.slice(1);
    }
    const text = this.rest === '' ? input : this.rest + input;
    // Lone CRs are rare (no known server sends them): normalise only when the read has one.
    if (text.indexOf('\r') === -1) this.lines(text);
    else {
      this.skipLf = text.charCodeAt(text.length - 1) === 13;
      this.lines(text.replace(/\r\n?/g, '\n'));
    }
  }

  /** The body ended: a pending event without its terminating blank line is not dispatched. */
  end(): void {
    this.text.end();
    this.rest = '';
    this.data = null;
  }

  private lines(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      this.line(text, start, nl);
      start = nl + 1;
    }
    this.rest = start === text.length ? '' : text.slice(start);
  }

  private line(text: string, start: number, end: number): void {
    if (start === end) {
      // Blank line: dispatch.
      const data = this.data;
      if (data !== null) {
        this.data = null;
        this.onData(data);
      }
      return;
    }
    // "data:" = 100 97 116 97 58
    if (
      end - start >= 5 &&
      text.charCodeAt(start) === 100 &&
      text.charCodeAt(start + 1) === 97 &&
      text.charCodeAt(start + 2) === 116 &&
      text.charCodeAt(start + 3) === 97 &&
      text.charCodeAt(start + 4) === 58
    ) {
      const from = text.charCodeAt(start + 5) === 32 ? start + 6 : start + 5;
      const value = text.slice(from, end);
      this.data = this.data === null ? value : `${this.data}\n${value}`;
      return;
    }
    // A field named exactly "data" without a colon is an empty data line.
    if (end - start === 4 && text.startsWith('data', start)) {
      this.data = this.data === null ? '' : `${this.data}\n`;
    }
  }
}
