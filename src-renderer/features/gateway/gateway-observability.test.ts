import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../../src-server/config/flags.js';
import { createGateway, type Gateway } from '../../../src-server/gateway.js';
import { createLogger } from '../../../src-server/logging/logger.js';
import { getJson } from '../../lib/gateway-client.js';
import { appendBounded, followLogs, parseLogLine } from './log-stream.js';
import { keyMetrics, metricsFromBody } from './metrics-summary.js';

let gateway: Gateway;
beforeAll(async () => {
  gateway = await createGateway(
    { ...defaultConfig(), host: '127.0.0.1', port: 0, backend: 'simulator', apiKeys: ['console-key'] },
    { logger: createLogger('info', () => undefined) },
  );
});
afterAll(() => gateway.close());
const conn = () => ({ baseUrl: gateway.url, apiKey: 'console-key' });

describe('Gateway panel: metrics from /metrics?format=json', () => {
  test('key figures follow a request the gateway answered', async () => {
    await getJson(conn(), '/v1/models');
    const res = await getJson(conn(), '/metrics?format=json');
    const metrics = metricsFromBody(res.body);
    expect(metrics).not.toBeNull();
    const figures = keyMetrics(metrics ?? []);
    const requests = figures.find((f) => f.id === 'http_requests_total');
    expect(Number(requests?.value)).toBeGreaterThanOrEqual(1);
    expect(figures.find((f) => f.id === 'active_streams')?.value).toBe('0');
    expect(figures.find((f) => f.id === 'time_to_first_event_seconds')?.value).toBe('–');
    expect(metricsFromBody({ error: {} })).toBeNull();
  });
});

describe('Gateway panel: live log tail', () => {
  test('follows the stream with the API key: backlog lines parse, the stream ends on abort', async () => {
    await getJson(conn(), '/v1/models');
    const controller = new AbortController();
    const seen: string[] = [];
    const done = followLogs(
      conn(),
      '/v1/console/logs',
      (raws) => {
        seen.push(...raws);
        if (seen.some((r) => parseLogLine(r, 0)?.fields.path === '/v1/models')) controller.abort();
      },
      controller.signal,
    );
    expect(await done).toBeNull();
    const line = parseLogLine(seen[0], 7);
    expect(line).toMatchObject({ seq: 7, level: expect.any(String) as string, msg: expect.any(String) as string });
  });

  test('without the key the stream is refused with the gateway message', async () => {
    const err = await followLogs(
      { baseUrl: gateway.url },
      '/v1/console/logs',
      () => undefined,
      new AbortController().signal,
    );
    expect(err).toMatch(/api key/i);
  });

  test('the kept lines are bounded, newest last', () => {
    expect(appendBounded([1, 2, 3], [4, 5], 4)).toEqual([2, 3, 4, 5]);
    expect(parseLogLine('not json', 0)).toBeNull();
  });
});
