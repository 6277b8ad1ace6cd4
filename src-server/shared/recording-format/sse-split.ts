/**
 * Cuts SSE text into events, exactly as written: each piece ends with its blank line, so
 * concatenating the pieces gives back the bytes. Used on streams read from other servers
 * (re-run); the gateway's own writes reach the recorder already cut (exchange/observer.ts).
 * Isomorphic.
 */
import { COMMENT_TYPE, DONE_TYPE } from './format.js';

export interface SsePiece {
  type: string;
  data: string;
}

const TYPE_IN_JSON = /"type"\s*:\s*"([^"]+)"/;

/** The event type of one SSE block: its `event:` field, else the JSON `type`, else a pseudo type. */
export function sseType(block: string): string {
  if (block.startsWith('event:')) {
    const end = block.indexOf('\n');
    return block.slice(block[6] === ' ' ? 7 : 6, end === -1 ? undefined : end).trim();
  }
  if (block.startsWith(':')) return COMMENT_TYPE;
  if (block.startsWith('data: [DONE]') || block.startsWith('data:[DONE]')) return DONE_TYPE;
  return TYPE_IN_JSON.exec(block)?.[1] ?? 'message';
}

export class SseSplitter {
  private carry = '';

  /** Feeds written text; returns the events completed by it. */
  push(text: string): SsePiece[] {
    const buf = this.carry === '' ? text : this.carry + text;
    const out: SsePiece[] = [];
    // The gateway writes bare \n; only text with a \r needs the slower CRLF-aware search.
    const crlf = buf.includes('\r');
    let start = 0;
    for (;;) {
      const end = crlf ? findBlankLine(buf, start) : lfBlankLine(buf, start);
      if (end === -1) break;
      const data = buf.slice(start, end);
      out.push({ type: sseType(data), data });
      start = end;
    }
    this.carry = start === 0 ? buf : buf.slice(start);
    return out;
  }

  /** What is left without a terminating blank line (a cut stream). */
  rest(): SsePiece | null {
    if (this.carry === '') return null;
    const data = this.carry;
    this.carry = '';
    return { type: sseType(data), data };
  }
}

function lfBlankLine(s: string, from: number): number {
  const lf = s.indexOf('\n\n', from);
  return lf === -1 ? -1 : lf + 2;
}

/** Index just past the next `\n\n` (or `\r\n\r\n`) at or after `from`, or -1. */
function findBlankLine(s: string, from: number): number {
  const lf = s.indexOf('\n\n', from);
  const crlf = s.indexOf('\r\n\r\n', from);
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return crlf + 4;
  return lf === -1 ? -1 : lf + 2;
}
