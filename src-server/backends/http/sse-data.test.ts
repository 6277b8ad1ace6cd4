import { describe, expect, test } from 'vitest';
import { SseDataDecoder } from './sse-data.js';

function decode(chunks: (string | Buffer)[]): string[] {
  const out: string[] = [];
  const d = new SseDataDecoder((data) => out.push(data));
  for (const c of chunks) d.push(typeof c === 'string' ? Buffer.from(c) : c);
  d.end();
  return out;
}

/** Every way of cutting `text` into two reads. */
function everySplit(text: string): Buffer[][] {
  const bytes = Buffer.from(text);
  const out: Buffer[][] = [];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return out;
}

describe('SSE data decoder (upstream chat stream)', () => {
  test('LF, CRLF and lone CR all end lines; a blank line dispatches', () => {
    expect(decode(['data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\n\n'])).toEqual(['a', 'b', 'c', 'd']);
  });

  test('the same events come out wherever the body is cut, CRLF and multi-byte text included', () => {
    const body = 'data: {"t":"héllo ✓ 😀"}\r\n\r\n: comment\r\nevent: x\r\ndata: [DONE]\r\n\r\n';
    for (const split of everySplit(body)) expect(decode(split)).toEqual(['{"t":"héllo ✓ 😀"}', '[DONE]']);
  });

  test('several data lines join with LF; comments and other fields are ignored', () => {
    expect(decode([': ping\nid: 1\nevent: e\ndata: one\ndata:two\ndata\n\n'])).toEqual(['one\ntwo\n']);
  });

  test('only one space after the colon is dropped', () => {
    expect(decode(['data:  two spaces\n\n'])).toEqual([' two spaces']);
  });

  test('an event without its terminating blank line at the end of the body is not dispatched', () => {
    expect(decode(['data: complete\n\ndata: cut'])).toEqual(['complete']);
    expect(decode(['data: cut\n'])).toEqual([]);
  });

  test('one read holding many events dispatches them all in order', () => {
    const body = Array.from({ length: 500 }, (_, i) => `data: ${i}\n\n`).join('');
    expect(decode([body])).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
  });
});
