import type { IncomingMessage, ServerResponse } from 'node:http';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { streamLogs } from '../../src-server/http/console-routes.js';
import { isLoopbackAddress } from '../../src-server/http/loopback.js';
import { silentLogger } from '../../src-server/logging/logger.js';
import type { RequestContext } from '../../src-server/http/respond.js';
import { LogTail, tailLogger } from '../../src-server/observability/log-tail.js';
import { isGatewayError } from '../../src-server/shared/protocol/errors.js';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';

describe('log tail ring buffer', () => {
  test('keeps the last N lines in order and feeds subscribers until they leave', () => {
    const tail = new LogTail(3);
    for (let i = 1; i <= 5; i++) tail.push(`{"n":${i}}`);
    expect(tail.backlog()).toEqual(['{"n":3}', '{"n":4}', '{"n":5}']);
    const seen: string[] = [];
    const off = tail.subscribe((l) => seen.push(l));
    tail.push('{"n":6}');
    off();
    tail.push('{"n":7}');
    expect(seen).toEqual(['{"n":6}']);
    expect(tail.subscribers).toBe(0);
  });

  test('the tail logger keeps lines at or above the level, with child fields', () => {
    const tail = new LogTail(10);
    const log = tailLogger(silentLogger, tail, 'info').child({ requestId: 'req_1' });
    log.debug('hidden');
    log.info('shown', { n: 1 });
    const lines = tail.backlog().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'shown', requestId: 'req_1', n: 1 });
  });

  test('close ends every subscription', () => {
    const tail = new LogTail(2);
    let ended = 0;
    tail.subscribe(
      () => undefined,
      () => ended++,
    );
    tail.close();
    expect(ended).toBe(1);
    expect(tail.subscribers).toBe(0);
  });
});

describe('GET /v1/console/logs', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'info' });
  });
  afterAll(() => h.close());

  test('streams the backlog, then each new line; the subscription ends with the client', async () => {
    // Something in the backlog before connecting.
    await (await fetch(`${h.url}/v1/models`)).text();
    const controller = new AbortController();
    const res = await fetch(`${h.url}/v1/console/logs`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const lines: Record<string, unknown>[] = [];
    let wanted: ((l: Record<string, unknown>) => boolean) | null = null;
    let found: () => void = () => undefined;
    const parser = createParser({
      onEvent: (e) => {
        const line = JSON.parse(e.data) as Record<string, unknown>;
        lines.push(line);
        if (wanted?.(line)) found();
      },
    });
    const waitFor = (pred: (l: Record<string, unknown>) => boolean): Promise<void> =>
      lines.some(pred)
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            wanted = pred;
            found = resolve;
          });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const pump = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.feed(value);
      }
    })().catch(() => undefined);
    await waitFor((l) => l.msg === 'request' && l.path === '/v1/models');
    expect(h.gateway.logTail.subscribers).toBe(1);
    // A new line, logged after the client connected.
    await (await fetch(`${h.url}/healthz`)).text();
    await waitFor((l) => l.msg === 'request' && l.path === '/healthz');
    controller.abort();
    await pump;
    // The gateway drops the subscriber when the socket closes.
    await expect.poll(() => h.gateway.logTail.subscribers).toBe(0);
    expect(lines.every((l) => typeof l.level === 'string' && typeof l.time === 'string')).toBe(true);
  });

  test('clients off loopback are refused with loopback_only', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('127.0.0.2')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('10.1.2.3')).toBe(false);
    expect(isLoopbackAddress('::ffff:192.168.0.4')).toBe(false);
    const ctx = {
      req: { socket: { remoteAddress: '192.168.0.4' } } as unknown as IncomingMessage,
      res: {} as ServerResponse,
      headers: {},
    } as unknown as RequestContext;
    let thrown: unknown;
    try {
      streamLogs(ctx, new LogTail(1));
    } catch (e) {
      thrown = e;
    }
    expect(isGatewayError(thrown) && thrown.status === 403 && thrown.code === 'loopback_only').toBe(true);
  });
});
