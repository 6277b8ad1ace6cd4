/**
 * The WebSocket transport on GET /v1/responses (X2), over real sockets with the `ws` client:
 * the proofs of the Open Responses 2026-04-24 "WebSocket Transport" section, every frame validated
 * against the spec's streaming-event and WebSocketErrorEvent schemas (open-responses dialect) or
 * the gateway's stream validator (openai dialect).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Dialect } from '../../src-server/shared/protocol/events.js';
import { readSse, postJson, startGateway, streamViolations, type GatewayHarness } from '../support/gateway-harness.js';
import {
  validateAgainstSpec,
  validateEventAgainstSpec,
  validateResponseAgainstSpec,
} from '../support/open-responses-spec.js';
import { TestSocket, type Frame, type Turn } from '../support/ws-client.js';

const OR = { 'x-responses-dialect': 'open-responses' };
const MODEL = 'sim-chat+seed=7+deltas=4';

/** Every frame valid: spec schemas in the open-responses dialect, the stream validator in both. */
function expectValidFrames(turn: Turn, dialect: Dialect): void {
  for (const f of turn.frames) {
    if (f.type === 'error' && typeof f.sequence_number !== 'number') {
      expect(validateAgainstSpec('WebSocketErrorEvent', f), JSON.stringify(f)).toEqual([]);
      continue;
    }
    if (dialect === 'open-responses') expect(validateEventAgainstSpec(f), f.type).toEqual([]);
  }
  const events = turn.frames.filter((f) => typeof f.sequence_number === 'number');
  if (events.length > 0) {
    expect(streamViolations({ events: events.map((data) => ({ event: data.type, data })) } as never, dialect)).toEqual(
      [],
    );
    events.forEach((f, i) => expect(f.sequence_number).toBe(i));
  }
  if (turn.response && dialect === 'open-responses') expect(validateResponseAgainstSpec(turn.response)).toEqual([]);
}

function expectError(turn: Turn, status: number, code: string, param?: string | null): Frame {
  expect(turn.frames).toHaveLength(1);
  const error = turn.error as Frame & { status: number; error: Record<string, unknown> };
  expect(error).not.toBeNull();
  expect(error.status).toBe(status);
  expect(error.error.code).toBe(code);
  if (param !== undefined) expect(error.error.param).toBe(param);
  expect(validateAgainstSpec('WebSocketErrorEvent', error)).toEqual([]);
  return error;
}

describe('WebSocket transport', { tags: ['X2'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway();
  });
  afterAll(async () => {
    await h.close();
  });

  for (const dialect of ['open-responses', 'openai'] as const) {
    test(
      `one response: the same events in the same order as SSE (${dialect})`,
      { tags: ['B1', 'L1', 'L6'] },
      async () => {
        const headers = dialect === 'open-responses' ? OR : {};
        const body = { model: MODEL, input: 'Count from 1 to 3.' };
        const socket = await TestSocket.open(h.url, headers);
        const turn = await socket.turn({ type: 'response.create', ...body });
        await socket.close();
        expectValidFrames(turn, dialect);
        expect(turn.response?.status).toBe('completed');
        expect(turn.frames[0].type).toBe('response.created');
        // No [DONE] on a socket: every frame is an event object.
        expect(socket.received.every((f) => typeof f === 'object')).toBe(true);
        const sse = await readSse(await postJson(`${h.baseURL}/responses`, { ...body, stream: true }, headers));
        const sseTypes = sse.events.filter((e) => typeof e.data === 'object').map((e) => (e.data as Frame).type);
        expect(turn.frames.map((f) => f.type)).toEqual(sseTypes);
      },
    );
  }

  test('reasoning events use the dialect of the connection', { tags: ['H2'] }, async () => {
    const socket = await TestSocket.open(h.url, OR);
    const turn = await socket.turn({ type: 'response.create', model: 'sim-reasoning', input: 'Think first.' });
    await socket.close();
    expectValidFrames(turn, 'open-responses');
    expect(turn.frames.some((f) => f.type === 'response.reasoning.delta')).toBe(true);
  });

  test('sequential responses on one socket, store:false', async () => {
    const socket = await TestSocket.open(h.url, OR);
    for (const word of ['first', 'second']) {
      const turn = await socket.turn({
        type: 'response.create',
        model: MODEL,
        store: false,
        input: `Reply with exactly: ${word}`,
      });
      expectValidFrames(turn, 'open-responses');
      expect(turn.response?.status).toBe('completed');
    }
    await socket.close();
  });

  test('one in flight: messages sent together are answered one after the other, in order', async () => {
    const socket = await TestSocket.open(h.url, OR);
    socket.send({ type: 'response.create', model: MODEL, input: 'one', metadata: { n: '1' } });
    socket.send({ type: 'response.create', model: MODEL, input: 'two', metadata: { n: '2' } });
    socket.send({ type: 'response.create', model: MODEL, input: 'three', metadata: { n: '3' } });
    const first = await socket.nextTurn(0);
    const second = await socket.nextTurn(first.frames.length);
    const third = await socket.nextTurn(first.frames.length + second.frames.length);
    await socket.close();
    for (const [turn, n] of [
      [first, '1'],
      [second, '2'],
      [third, '3'],
    ] as const) {
      expectValidFrames(turn, 'open-responses');
      // Each turn's frames all belong to one response: nothing interleaved.
      const ids = new Set(turn.frames.map((f) => (f.response as { id?: string } | undefined)?.id).filter(Boolean));
      expect(ids.size).toBe(1);
      expect((turn.response?.metadata as Record<string, string>).n).toBe(n);
    }
  });

  test(
    'continuation with store:false uses the connection-local state and stores nothing',
    { tags: ['M6'] },
    async () => {
      const socket = await TestSocket.open(h.url, OR);
      const t1 = await socket.turn({
        type: 'response.create',
        model: MODEL,
        store: false,
        input: 'Remember the code word: cobalt. Reply with OK.',
      });
      const id = t1.response?.id as string;
      const t2 = await socket.turn({
        type: 'response.create',
        model: MODEL,
        store: false,
        previous_response_id: id,
        input: 'What is the code word? Reply with only the code word.',
      });
      await socket.close();
      expectValidFrames(t2, 'open-responses');
      expect(t2.response?.status).toBe('completed');
      expect(t2.response?.previous_response_id).toBe(id);
      // The backend saw the first turn again: more input tokens than the second message alone.
      const usage1 = t1.response?.usage as { input_tokens: number; output_tokens: number };
      const usage2 = t2.response?.usage as { input_tokens: number };
      expect(usage2.input_tokens).toBeGreaterThan(usage1.input_tokens + usage1.output_tokens);
      // Nothing was written to the store.
      expect((await fetch(`${h.baseURL}/responses/${id}`)).status).toBe(404);
      expect((await fetch(`${h.baseURL}/responses/${t2.response?.id as string}`)).status).toBe(404);
    },
  );

  test('reconnect: a store:false id is not found on a new socket; a fresh full-context response recovers', async () => {
    const a = await TestSocket.open(h.url, OR);
    const first = await a.turn({
      type: 'response.create',
      model: MODEL,
      store: false,
      input: 'Remember the code word: copper. Reply with OK.',
    });
    await a.close();
    const b = await TestSocket.open(h.url, OR);
    const failed = await b.turn({
      type: 'response.create',
      model: MODEL,
      store: false,
      previous_response_id: first.response?.id,
      input: 'Try to continue after reconnect. Reply with exactly: reconnected',
    });
    expectError(failed, 400, 'previous_response_not_found', 'previous_response_id');
    const recovered = await b.turn({
      type: 'response.create',
      model: MODEL,
      store: false,
      input: [{ type: 'message', role: 'user', content: 'Start a new response and reply with exactly: recovered' }],
    });
    await b.close();
    // Nothing after the error frame belonged to the failed turn.
    expect(recovered.frames[0].type).toBe('response.created');
    expectValidFrames(recovered, 'open-responses');
    expect(recovered.response?.status).toBe('completed');
  });

  test('reconnect: a store:true response continues from the store on a new socket', { tags: ['M6'] }, async () => {
    const a = await TestSocket.open(h.url, OR);
    const first = await a.turn({ type: 'response.create', model: MODEL, input: 'Remember: papaya.' });
    await a.close();
    const b = await TestSocket.open(h.url, OR);
    const next = await b.turn({
      type: 'response.create',
      model: MODEL,
      previous_response_id: first.response?.id,
      input: 'Which fruit?',
    });
    await b.close();
    expectValidFrames(next, 'open-responses');
    expect(next.response?.status).toBe('completed');
  });

  test(
    'a store:true response continuing a store:false one is stored whole: another socket and HTTP continue it',
    { tags: ['M6'] },
    async () => {
      const a = await TestSocket.open(h.url, OR);
      const t1 = await a.turn({
        type: 'response.create',
        model: MODEL,
        store: false,
        input: 'Remember the code word: quartz. Reply with OK.',
      });
      const t2 = await a.turn({
        type: 'response.create',
        model: MODEL,
        store: true,
        previous_response_id: t1.response?.id,
        input: 'Reply with OK again.',
      });
      await a.close();
      expect(t2.response?.status).toBe('completed');
      const id = t2.response?.id as string;
      // Its stored input holds the earlier, unstored turn too.
      const items = (await (await fetch(`${h.baseURL}/responses/${id}/input_items?order=asc`)).json()) as {
        data: { content?: { text?: string }[] }[];
      };
      expect(JSON.stringify(items.data)).toContain('quartz');
      const b = await TestSocket.open(h.url, OR);
      const t3 = await b.turn({
        type: 'response.create',
        model: MODEL,
        previous_response_id: id,
        input: 'What is the code word?',
      });
      await b.close();
      expectValidFrames(t3, 'open-responses');
      expect(t3.response?.status).toBe('completed');
      // The backend saw both earlier turns: more input tokens than the second turn's whole context.
      const usage2 = t2.response?.usage as { input_tokens: number; output_tokens: number };
      expect((t3.response?.usage as { input_tokens: number }).input_tokens).toBeGreaterThan(
        usage2.input_tokens + usage2.output_tokens,
      );
      const http = await postJson(`${h.baseURL}/responses`, { model: MODEL, previous_response_id: id, input: 'And?' });
      expect(http.status).toBe(200);
    },
  );

  test(
    'HTTP-only fields of another type than the transport accepts are refused as over HTTP',
    { tags: ['M2'] },
    async () => {
      const socket = await TestSocket.open(h.url, OR);
      for (const [field, value] of [
        ['stream', 'yes'],
        ['stream', 1],
        ['background', 'no'],
        ['background', {}],
      ] as const)
        expectError(
          await socket.turn({ type: 'response.create', model: MODEL, input: 'x', [field]: value }),
          400,
          'invalid_type',
          field,
        );
      // null agrees with the transport, as true (stream) and false (background) do.
      const ok = await socket.turn({
        type: 'response.create',
        model: MODEL,
        input: 'x',
        stream: null,
        background: null,
      });
      await socket.close();
      expect(ok.response?.status).toBe('completed');
    },
  );

  test('previous_response_not_found for an unknown id: one error frame, nothing else', async () => {
    const socket = await TestSocket.open(h.url, OR);
    const turn = await socket.turn({
      type: 'response.create',
      model: MODEL,
      store: false,
      previous_response_id: `resp_openresponses_missing_${process.pid}`,
      input: 'This should fail because the previous response is missing.',
    });
    expectError(turn, 400, 'previous_response_not_found', 'previous_response_id');
    // The connection stays usable and the next turn starts cleanly.
    const next = await socket.turn({ type: 'response.create', model: MODEL, input: 'still here?' });
    await socket.close();
    expect(next.frames[0].type).toBe('response.created');
    expect(next.response?.status).toBe('completed');
  });

  test('a failed continuation evicts the id it named', async () => {
    const socket = await TestSocket.open(h.url, OR);
    const t1 = await socket.turn({
      type: 'response.create',
      model: MODEL,
      store: false,
      input: 'Remember the code word: ember. Reply with OK.',
    });
    const t2 = await socket.turn({
      type: 'response.create',
      model: MODEL,
      store: false,
      previous_response_id: t1.response?.id,
      input: [
        {
          type: 'function_call_output',
          call_id: 'call_openresponses_missing',
          output: 'No matching tool call exists.',
        },
      ],
    });
    expectError(t2, 400, 'invalid_value', 'input[0].call_id');
    const t3 = await socket.turn({
      type: 'response.create',
      model: MODEL,
      store: false,
      previous_response_id: t1.response?.id,
      input: 'Try to continue after the failed turn. Reply with exactly: stale',
    });
    await socket.close();
    expectError(t3, 400, 'previous_response_not_found', 'previous_response_id');
  });

  test('generate:false warms up: an empty response that later messages continue from', async () => {
    const socket = await TestSocket.open(h.url, OR);
    const warm = await socket.turn({
      type: 'response.create',
      model: MODEL,
      store: false,
      generate: false,
      input: [{ type: 'message', role: 'developer', content: 'You answer briefly.' }],
    });
    expectValidFrames(warm, 'open-responses');
    expect(warm.response?.status).toBe('completed');
    expect(warm.response?.output).toEqual([]);
    const next = await socket.turn({
      type: 'response.create',
      model: MODEL,
      store: false,
      stream: true, // Codex sends it on every message: accepted, it changes nothing here.
      previous_response_id: warm.response?.id,
      input: 'Say hi.',
    });
    await socket.close();
    expectValidFrames(next, 'open-responses');
    expect(next.response?.status).toBe('completed');
  });

  test('bad messages get one error frame each and the connection stays usable', { tags: ['M2'] }, async () => {
    const socket = await TestSocket.open(h.url, OR);
    expectError(await socket.turn('{not json'), 400, 'invalid_json');
    expectError(await socket.turn('[1,2]'), 400, 'invalid_websocket_message');
    expectError(await socket.turn({ model: MODEL, input: 'no type' }), 400, 'missing_required_parameter', 'type');
    expectError(await socket.turn({ type: 'response.cancel' }), 400, 'invalid_value', 'type');
    expectError(
      await socket.turn({ type: 'response.create', model: MODEL, input: 'x', background: true }),
      400,
      'unsupported_parameter',
      'background',
    );
    expectError(
      await socket.turn({ type: 'response.create', model: MODEL, input: 'x', stream: false }),
      400,
      'unsupported_value',
      'stream',
    );
    expectError(
      await socket.turn({ type: 'response.create', model: MODEL, input: 'x', frobnicate: 1 }),
      400,
      'unknown_parameter',
      'frobnicate',
    );
    expectError(
      await socket.turn({ type: 'response.create', model: 'no-such-model', input: 'x' }),
      404,
      'model_not_found',
      'model',
    );
    const deep = '['.repeat(500) + ']'.repeat(500);
    expectError(await socket.turn(`{"type":"response.create","input":${deep}}`), 400, 'nesting_too_deep');
    const from = socket.received.length;
    socket.ws.send(Buffer.from('binary'), { binary: true });
    expectError(await socket.nextTurn(from), 400, 'invalid_websocket_message');
    const ok = await socket.turn({ type: 'response.create', model: MODEL, input: 'fine now' });
    await socket.close();
    expect(ok.response?.status).toBe('completed');
  });

  test('a backend failure mid-stream ends the turn with response.failed, as on SSE', { tags: ['C4'] }, async () => {
    const socket = await TestSocket.open(h.url, OR);
    const turn = await socket.turn({
      type: 'response.create',
      model: 'sim-chat+fault=error_chunk+after=2',
      input: 'x',
    });
    await socket.close();
    expectValidFrames(turn, 'open-responses');
    expect(turn.response?.status).toBe('failed');
  });

  test('GET /v1/capabilities reports the transport and compaction', { tags: ['B2'] }, async () => {
    const caps = (await (await fetch(`${h.baseURL}/capabilities`)).json()) as Record<string, unknown>;
    const gateway = caps.gateway as Record<string, unknown>;
    expect(gateway.transports).toMatchObject({
      websocket: { endpoint: 'GET /v1/responses (Upgrade: websocket)', max_age_seconds: 3600 },
    });
    expect(gateway.compaction).toEqual({ endpoint: 'POST /v1/responses/compact' });
    expect((caps.inputItems as Record<string, { status: string }>).compaction.status).toBe('supported');
  });

  test('upgrades elsewhere, or with another protocol, are refused with an OpenAI error', async () => {
    const refused = await import('ws').then(
      ({ default: WebSocket }) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const ws = new WebSocket(`${h.url.replace('http', 'ws')}/v1/models`);
          ws.once('unexpected-response', (_req, res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += String(c)));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          ws.once('open', () => reject(new Error('opened')));
        }),
    );
    expect(refused.status).toBe(404);
    expect(JSON.parse(refused.body).error.code).toBe('unknown_url');
    // Without an upgrade, GET /v1/responses is still a 405.
    expect((await fetch(`${h.baseURL}/responses`)).status).toBe(405);
  });
});

describe('WebSocket upgrade: host, origin and key checks', { tags: ['X2', 'X5'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ apiKeys: ['sk-ws-test'], corsOrigin: 'https://allowed.example' });
  });
  afterAll(async () => {
    await h.close();
  });

  const refused = async (
    headers: Record<string, string>,
  ): Promise<{ status: number; body: { error: { code: string } } }> => {
    const err = (await TestSocket.open(h.url, headers).then(
      (s) => {
        void s.close();
        throw new Error('upgrade accepted');
      },
      (e: unknown) => e,
    )) as { status: number; body: string };
    return { status: err.status, body: JSON.parse(err.body) as { error: { code: string } } };
  };

  test('no key: 401 before the handshake', async () => {
    const r = await refused({});
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('invalid_api_key');
  });

  test('a foreign Host: 403 host_not_allowed', async () => {
    const r = await refused({ authorization: 'Bearer sk-ws-test', host: 'rebind.attacker.example' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('host_not_allowed');
  });

  test('a page of another origin: 403 origin_not_allowed; an allowed origin connects', async () => {
    const r = await refused({ authorization: 'Bearer sk-ws-test', origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('origin_not_allowed');
    const ok = await TestSocket.open(h.url, { authorization: 'Bearer sk-ws-test', origin: 'https://allowed.example' });
    const turn = await ok.turn({ type: 'response.create', model: MODEL, input: 'hi' });
    await ok.close();
    expect(turn.response?.status).toBe('completed');
  });

  test('tenancy: another key cannot continue a stored response', { tags: ['M6'] }, async () => {
    const h2 = await startGateway({ apiKeys: ['sk-a', 'sk-b'] });
    try {
      const a = await TestSocket.open(h2.url, { authorization: 'Bearer sk-a' });
      const first = await a.turn({ type: 'response.create', model: MODEL, input: 'mine' });
      await a.close();
      const b = await TestSocket.open(h2.url, { authorization: 'Bearer sk-b' });
      const stolen = await b.turn({
        type: 'response.create',
        model: MODEL,
        previous_response_id: first.response?.id,
        input: 'yours?',
      });
      await b.close();
      expectError(stolen, 400, 'previous_response_not_found');
    } finally {
      await h2.close();
    }
  });
});

describe('WebSocket connection limit', { tags: ['X2'] }, () => {
  test('an idle connection past its age gets websocket_connection_limit_reached, then closes; a new one works', async () => {
    const h = await startGateway({ websocketMaxAgeSeconds: 0.2 });
    try {
      const socket = await TestSocket.open(h.url, OR);
      const code = await socket.closed;
      expect(code).toBe(1000);
      expect(socket.received).toHaveLength(1);
      const frame = socket.received[0] as Frame & { status: number; error: { code: string; type: string } };
      expect(frame.status).toBe(400);
      expect(frame.error.code).toBe('websocket_connection_limit_reached');
      expect(frame.error.type).toBe('invalid_request_error');
      expect(validateAgainstSpec('WebSocketErrorEvent', frame)).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test('a response in flight at the limit finishes first', async () => {
    const h = await startGateway({ websocketMaxAgeSeconds: 0.3 });
    try {
      const socket = await TestSocket.open(h.url, OR);
      // Slow enough to still be running at the limit (0.3 s): 20 deltas of 50 ms.
      const turn = await socket.turn({ type: 'response.create', model: 'sim-chat+deltas=20+token=50', input: 'long' });
      expect(turn.response?.status).toBe('completed');
      const code = await socket.closed;
      expect(code).toBe(1000);
      const last = socket.received.at(-1) as Frame & { error?: { code: string } };
      // Either the limit hit while the response ran (no frame after it: the socket just closes)
      // or while idle afterwards (one error frame): never a cut response.
      if (last.type === 'error') expect(last.error?.code).toBe('websocket_connection_limit_reached');
      else expect(last.type).toBe('response.completed');
    } finally {
      await h.close();
    }
  });
});

describe('WebSocket rate limits, recording and metrics', { tags: ['X2'] }, () => {
  test('rate limits apply per message: a refused one is a 429 error frame', { tags: ['H5'] }, async () => {
    const h = await startGateway({ rateLimitRequestsPerMinute: 1 });
    try {
      const socket = await TestSocket.open(h.url, OR);
      const ok = await socket.turn({ type: 'response.create', model: MODEL, input: 'one' });
      expect(ok.response?.status).toBe('completed');
      expectError(
        await socket.turn({ type: 'response.create', model: MODEL, input: 'two' }),
        429,
        'rate_limit_exceeded',
      );
      await socket.close();
    } finally {
      await h.close();
    }
  });

  test(
    'every message is a recorded run with every frame and its timing; metrics count websocket responses',
    { tags: ['B4'] },
    async () => {
      const h = await startGateway({ record: 'on' });
      try {
        const socket = await TestSocket.open(h.url, OR);
        const ok = await socket.turn({ type: 'response.create', model: MODEL, input: 'record me' });
        const bad = await socket.turn({ type: 'response.create', model: MODEL, input: 'x', background: true });
        await socket.close();
        const list = (await (await fetch(`${h.baseURL}/recordings`)).json()) as {
          data: { id: string; status: string; httpStatus: number }[];
        };
        expect(list.data).toHaveLength(2);
        const runs = await Promise.all(
          list.data.map(
            async (s) => (await (await fetch(`${h.baseURL}/recordings/${s.id}`)).json()) as Record<string, unknown>,
          ),
        );
        const good = runs.find((r) => r.responseId === ok.response?.id) as {
          status: string;
          request: { body: Record<string, unknown>; method: string; path: string };
          events: { type: string; data: string; offsetMs: number }[];
        };
        expect(good.status).toBe('completed');
        expect(good.request.body.type).toBe('response.create');
        expect(good.events.map((e) => e.type)).toEqual(ok.frames.map((f) => f.type));
        expect(good.events.map((e) => JSON.parse(e.data))).toEqual(ok.frames);
        good.events.forEach((e, i) => i > 0 && expect(e.offsetMs).toBeGreaterThanOrEqual(good.events[i - 1].offsetMs));
        const refused = runs.find((r) => r !== good) as {
          status: string;
          httpStatus: number;
          events: { data: string }[];
        };
        expect(refused.status).toBe('error');
        expect(refused.httpStatus).toBe(400);
        expect(JSON.parse(refused.events[0].data)).toEqual(bad.error);
        const metrics = await (await fetch(`${h.url}/metrics`)).text();
        expect(metrics).toMatch(/responses_gateway_responses_total\{status="completed",mode="websocket"\} 1/);
      } finally {
        await h.close();
      }
    },
  );
});
