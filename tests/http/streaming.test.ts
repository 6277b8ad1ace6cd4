import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { validateEventAgainstSpec, validateResponseAgainstSpec } from '../support/open-responses-spec.js';
import type { Dialect } from '../../src-server/shared/protocol/events.js';
import {
  postJson,
  readSse,
  startGateway,
  streamViolations,
  type GatewayHarness,
  type SseStream,
} from '../support/gateway-harness.js';

interface Ev {
  type: string;
  sequence_number: number;
  [k: string]: unknown;
}

function events(stream: SseStream): Ev[] {
  return stream.events.map((e) => e.data as Ev);
}

/** L6 and L1 on the wire: `event:` equals `type`, sequence numbers 0, 1, 2 … without gaps, validator clean. */
function expectWellFormed(stream: SseStream, dialect: Dialect = 'openai'): Ev[] {
  const evs = events(stream);
  expect(streamViolations(stream, dialect)).toEqual([]);
  expect(evs.length).toBeGreaterThan(0);
  stream.events.forEach((e, i) => {
    expect(e.event).toBe((e.data as Ev).type);
    expect((e.data as Ev).sequence_number).toBe(i);
  });
  expect(evs[0].type).toBe('response.created');
  return evs;
}

function stream(
  h: GatewayHarness,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return postJson(`${h.url}/v1/responses`, { stream: true, ...body }, headers);
}

describe('streaming over HTTP', () => {
  let h: GatewayHarness;
  /** A short --backend-timeout, only for the stalled stream (which never resumes, so it always fires). */
  let short: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway();
    short = await startGateway({ backendTimeoutSeconds: 0.5 });
  });
  afterAll(() => Promise.all([h.close(), short.close()]));

  test('SSE headers and a complete event sequence (L6)', { tags: ['L6'] }, async () => {
    const res = await stream(h, { model: 'sim-chat', input: 'Say hello' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(res.headers.get('openai-processing-ms')).toMatch(/^\d+$/);
    const s = await readSse(res);
    const evs = expectWellFormed(s);
    expect(evs.at(-1)?.type).toBe('response.completed');
    expect(evs.some((e) => e.type === 'response.output_text.delta')).toBe(true);
  });

  test(
    'L5 openai dialect: no [DONE] by default; open-responses dialect: [DONE] after the terminal event',
    { tags: ['L5'] },
    async () => {
      const openai = await readSse(await stream(h, { model: 'sim-chat', input: 'hi' }));
      expect(openai.done).toBe(false);
      const open = await readSse(
        await stream(h, { model: 'sim-chat', input: 'hi' }, { 'x-responses-dialect': 'open-responses' }),
      );
      expect(open.done).toBe(true);
      expect(open.text.endsWith('data: [DONE]\n\n')).toBe(true);
    },
  );

  test(
    'H2 dialect header renames reasoning events; open-responses events and response validate against the spec',
    { tags: ['H2'] },
    async () => {
      const openai = expectWellFormed(await readSse(await stream(h, { model: 'sim-reasoning', input: 'think' })));
      expect(openai.some((e) => e.type === 'response.reasoning_text.delta')).toBe(true);
      expect(openai.some((e) => e.type === 'response.reasoning.delta')).toBe(false);

      const s = await readSse(
        await stream(h, { model: 'sim-reasoning', input: 'think' }, { 'x-responses-dialect': 'open-responses' }),
      );
      const evs = expectWellFormed(s, 'open-responses');
      expect(evs.some((e) => e.type === 'response.reasoning.delta')).toBe(true);
      expect(evs.some((e) => e.type === 'response.reasoning_text.delta')).toBe(false);
      for (const e of evs) expect(validateEventAgainstSpec(e)).toEqual([]);
      const last = evs.at(-1) as Ev & { response: unknown };
      expect(validateResponseAgainstSpec(last.response)).toEqual([]);
    },
  );

  test('L5 --responses-stream-done-sentinel on adds [DONE] in the openai dialect', { tags: ['L5'] }, async () => {
    const g = await startGateway({ streamDoneSentinel: 'on', logLevel: 'silent' });
    try {
      const s = await readSse(await stream(g, { model: 'sim-chat', input: 'hi' }));
      expect(s.done).toBe(true);
    } finally {
      await g.close();
    }
  });

  test.each(['error_chunk', 'malformed_chunk', 'truncate', 'stall'])(
    'C4 E1 mid-stream fault %s: error then response.failed, sequence continuous',
    { tags: ['C4', 'E1'] },
    async (fault) => {
      const s = await readSse(
        await stream(
          fault === 'stall' ? short : h,
          { model: 'sim-chat', input: 'hi' },
          { 'x-simulator-fault': fault, 'x-simulator-fault-after': '2' },
        ),
      );
      const evs = expectWellFormed(s);
      const types = evs.map((e) => e.type);
      expect(types.at(-1)).toBe('response.failed');
      expect(types.at(-2)).toBe('error');
      expect(types.filter((t) => t === 'error')).toHaveLength(1);
      const err = evs.at(-2) as Ev & { error?: { code?: unknown; message?: unknown } };
      expect(typeof (err.error?.code ?? err.code)).toBe('string');
      const failed = evs.at(-1) as Ev & { response: { status: string; error: { code: string } | null } };
      expect(failed.response.status).toBe('failed');
      expect(failed.response.error?.code).toEqual(expect.any(String));
      if (fault === 'stall') expect(failed.response.error?.code).toBe('backend_timeout');
    },
  );

  test('the same faults in open-responses: error and failed response validate against the spec', async () => {
    const s = await readSse(
      await stream(
        h,
        { model: 'sim-chat', input: 'hi' },
        { 'x-simulator-fault': 'error_chunk', 'x-responses-dialect': 'open-responses' },
      ),
    );
    const evs = expectWellFormed(s, 'open-responses');
    expect(s.done).toBe(true);
    for (const e of evs) expect(validateEventAgainstSpec(e)).toEqual([]);
  });

  test('non-streaming request returns the final Response object', async () => {
    const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; object: string; status: string; output: unknown[] };
    expect(body.object).toBe('response');
    expect(body.id).toMatch(/^resp_/);
    expect(body.status).toBe('completed');
    expect(body.output.length).toBeGreaterThan(0);
  });
});

describe('L3 strict vs lenient', { tags: ['L3'] }, () => {
  test('lenient ignores unknown fields and names them in x-responses-ignored-fields', async () => {
    const h = await startGateway({ compat: 'lenient', logLevel: 'silent' });
    try {
      const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi', frobnicate: true, zap: 1 });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-responses-ignored-fields')).toBe('frobnicate, zap');
      expect(((await res.json()) as { status: string }).status).toBe('completed');
    } finally {
      await h.close();
    }
  });

  test('strict rejects the same body naming the first unknown field', async () => {
    const h = await startGateway({ logLevel: 'silent' });
    try {
      const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi', frobnicate: true });
      expect(res.status).toBe(400);
      expect(res.headers.get('x-responses-ignored-fields')).toBeNull();
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe('frobnicate');
    } finally {
      await h.close();
    }
  });
});
