import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OVERHEAD_HEADER } from '../../src-server/observability/gateway-metrics.js';
import { postJson, readSse, startGateway, type GatewayHarness } from '../support/gateway-harness.js';

/** The value of one series in Prometheus text, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics (Prometheus)', { tags: ['B4'] }, () => {
  let h: GatewayHarness;
  let other: GatewayHarness;
  const scrape = async (g: GatewayHarness = h): Promise<string> => {
    const res = await fetch(`${g.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return res.text();
  };
  beforeAll(async () => {
    [h, other] = await Promise.all([startGateway({ logLevel: 'warn' }), startGateway({ logLevel: 'warn' })]);
  });
  afterAll(() => Promise.all([h.close(), other.close()]));

  test('a non-streaming request increments its route/status series and the completed responses', async () => {
    const before = await scrape();
    const route = 'responses_gateway_http_requests_total{method="POST",route="/v1/responses",status="200"}';
    const done = 'responses_gateway_responses_total{status="completed",mode="json"}';
    const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hello' });
    expect(res.status).toBe(200);
    await res.json();
    const after = await scrape();
    expect(sample(after, route)).toBe((sample(before, route) ?? 0) + 1);
    expect(sample(after, done)).toBe((sample(before, done) ?? 0) + 1);
    // Registries are per gateway: the other one saw nothing.
    expect(sample(await scrape(other), route)).toBeUndefined();
  });

  test('a stream counts its events, its time to first event and ends with no active stream', async () => {
    const before = await scrape();
    const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hello', stream: true });
    const { events } = await readSse(res);
    const after = await scrape();
    const written = 'responses_gateway_sse_events_written_total';
    expect(sample(after, written)).toBe((sample(before, written) ?? 0) + events.length);
    const ttfe = 'responses_gateway_time_to_first_event_seconds_count';
    expect(sample(after, ttfe)).toBe((sample(before, ttfe) ?? 0) + 1);
    expect(sample(after, 'responses_gateway_active_streams')).toBe(0);
    expect(sample(after, 'responses_gateway_responses_total{status="completed",mode="stream"}')).toBeGreaterThan(0);
  });

  test('backend errors are counted by code; unknown routes by their own label', async () => {
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'hello' },
      { 'x-simulator-fault': 'server_error' },
    );
    expect(res.status).toBeGreaterThanOrEqual(500);
    const body = (await res.json()) as { error: { code: string } };
    await fetch(`${h.url}/v1/nothing-here`);
    const text = await scrape();
    expect(sample(text, `responses_gateway_backend_errors_total{code="${body.error.code}"}`)).toBeGreaterThan(0);
    expect(sample(text, 'responses_gateway_http_requests_total{method="GET",route="(unmatched)",status="404"}')).toBe(
      1,
    );
  });

  test('an error the backend sends mid-stream is counted by its code', async () => {
    const errors = (text: string): number =>
      [...text.matchAll(/^responses_gateway_backend_errors_total\{[^}]*\} (\d+)$/gm)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
    const before = errors(await scrape());
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'hello', stream: true },
      { 'x-simulator-fault': 'error_chunk' },
    );
    const { events } = await readSse(res);
    const failed = events.find((e) => e.event === 'response.failed')?.data as
      { response: { error: { code: string } } } | undefined;
    expect(failed).toBeDefined();
    const text = await scrape();
    expect(errors(text)).toBe(before + 1);
    expect(
      sample(text, `responses_gateway_backend_errors_total{code="${failed?.response.error.code}"}`),
    ).toBeGreaterThan(0);
  });

  test('non-streaming responses report the gateway overhead (header and histogram)', async () => {
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'hello' },
      { 'x-simulator-ttft-ms': '100' },
    );
    await res.json();
    const overhead = Number(res.headers.get(OVERHEAD_HEADER));
    const total = Number(res.headers.get('openai-processing-ms'));
    expect(overhead).toBeGreaterThanOrEqual(0);
    // The 100 ms spent waiting for the backend's first token are not the gateway's.
    expect(overhead).toBeLessThan(total);
    const stream = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi', stream: true });
    expect(stream.headers.get(OVERHEAD_HEADER)).toBeNull();
    await stream.text();
    expect(sample(await scrape(), 'responses_gateway_overhead_seconds_count')).toBeGreaterThan(0);
  });

  test('?format=json gives the same metrics as JSON; the state gauges are there', async () => {
    const res = await fetch(`${h.url}/metrics?format=json`);
    const body = (await res.json()) as { object: string; data: { name: string; type: string }[] };
    expect(body.object).toBe('metrics');
    const names = body.data.map((m) => m.name);
    for (const n of [
      'responses_gateway_http_requests_total',
      'responses_gateway_stream_violations_total',
      'responses_gateway_rate_limit_rejections_total',
      'responses_gateway_sessions_active',
      'responses_gateway_background_runs',
      'responses_gateway_store_responses',
      'responses_gateway_invalid_tool_arguments_total',
    ])
      expect(names).toContain(n);
    expect((await fetch(`${h.url}/metrics?format=xml`)).status).toBe(400);
  });
});

describe('rate-limit rejections and auth on /metrics', { tags: ['B4'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'warn', rateLimitRequestsPerMinute: 1, apiKeys: ['k1'] });
  });
  afterAll(() => h.close());

  test('H5 a 429 is counted; /metrics needs the key like every route', { tags: ['H5'] }, async () => {
    const auth = { authorization: 'Bearer k1' };
    for (let i = 0; i < 2; i++)
      await (await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'x' }, auth)).text();
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    const text = await (await fetch(`${h.url}/metrics`, { headers: auth })).text();
    expect(sample(text, 'responses_gateway_rate_limit_rejections_total')).toBe(1);
  });
});
