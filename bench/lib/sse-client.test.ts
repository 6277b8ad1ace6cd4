import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeTarget, SseSplitter, streamPost } from './sse-client.js';

describe('SSE splitter', () => {
  const collect = (chunks: string[], end = false): [string | undefined, string][] => {
    const out: [string | undefined, string][] = [];
    const s = new SseSplitter((event, data) => out.push([event, data]));
    for (const c of chunks) s.push(c);
    if (end) s.end();
    return out;
  };

  test('reassembles events split at any byte', () => {
    const text = 'event: a\ndata: {"x":1}\n\ndata: two\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(collect([text.slice(0, cut), text.slice(cut)])).toEqual([
        ['a', '{"x":1}'],
        [undefined, 'two'],
      ]);
    }
  });

  test('handles CRLF, multi-line data and comments', () => {
    expect(collect([': keep-alive\r\n\r\ndata: l1\r\ndata: l2\r\n\r\n'])).toEqual([[undefined, 'l1\nl2']]);
  });

  test('an event without its blank line is held until end()', () => {
    expect(collect(['data: [DONE]'])).toEqual([]);
    expect(collect(['data: [DONE]'], true)).toEqual([[undefined, '[DONE]']]);
  });
});

describe('streamPost over a real socket', () => {
  let server: http.Server;
  let url = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/fail') {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"no"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      // A second write in a later turn arrives as a separate read.
      setTimeout(() => res.end('data: 2\n\ndata: [DONE]\n\n'), 20);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('records every event with increasing arrival times', async () => {
    const target = makeTarget('t', url);
    const rec = await streamPost(target, '/ok', { a: 1 }, {});
    target.agent.destroy();
    expect(rec.error).toBeUndefined();
    expect(rec.status).toBe(200);
    expect(rec.events.map((e) => e.data)).toEqual(['1', '2', '[DONE]']);
    expect(rec.events[0].at).toBeGreaterThanOrEqual(rec.startedAt);
    expect(rec.events[1].at).toBeGreaterThan(rec.events[0].at);
    expect(rec.reads).toBeGreaterThanOrEqual(2);
  });

  test('an HTTP error is reported, not thrown', async () => {
    const target = makeTarget('t', url);
    const rec = await streamPost(target, '/fail', {}, {});
    target.agent.destroy();
    expect(rec.status).toBe(400);
    expect(rec.error).toContain('HTTP 400');
  });
});
