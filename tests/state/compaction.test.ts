/**
 * POST /v1/responses/compact (X3): the spec's CompactResource, a backend-written summary sealed
 * with the reasoning keyring, verified and opened when sent back as input (over HTTP and on a
 * WebSocket chain), usage of the summary call, and every bad input answered with the envelope.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { validateAgainstSpec, validateEventAgainstSpec } from '../support/open-responses-spec.js';
import { tampered } from '../support/tamper.js';
import { TestSocket } from '../support/ws-client.js';

const MODEL = 'sim-chat+seed=3';
const user = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const assistant = (text: string) => ({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] });

interface Compacted {
  id: string;
  object: string;
  created_at: number;
  output: Record<string, unknown>[];
  usage: { input_tokens: number; output_tokens: number; total_tokens: number };
}

describe('compaction', { tags: ['X3'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ apiKeys: ['sk-one', 'sk-two'] });
  });
  afterAll(async () => {
    await h.close();
  });
  const auth = { authorization: 'Bearer sk-one' };
  const compactBody = async (body: unknown, headers: Record<string, string> = auth) => {
    const res = await postJson(`${h.baseURL}/responses/compact`, body, headers);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const compactOk = async (body: unknown, headers: Record<string, string> = auth): Promise<Compacted> => {
    const r = await compactBody(body, headers);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as unknown as Compacted;
  };

  test('a CompactResource: the user messages kept, then one sealed compaction item; usage of the summary call', async () => {
    const result = await compactOk({
      model: MODEL,
      prompt_cache_key: 'openresponses-compact-test',
      input: [
        user('We agreed to launch on Tuesday and notify support first.'),
        assistant('Understood. The launch is Tuesday, with support notified beforehand.'),
      ],
    });
    expect(validateAgainstSpec('CompactResource', result)).toEqual([]);
    expect(result.object).toBe('response.compaction');
    expect(result.output.map((i) => i.type)).toEqual(['message', 'compaction']);
    expect(result.output[0]).toMatchObject({
      role: 'user',
      content: [{ type: 'input_text', text: expect.stringContaining('Tuesday') }],
    });
    const compaction = result.output[1] as { id: string; encrypted_content: string };
    expect(compaction.id).toMatch(/^cmp_/);
    expect(compaction.encrypted_content).toMatch(/^rsv1\./);
    // Opaque: the summary is not readable in the token.
    expect(compaction.encrypted_content).not.toContain('Tuesday');
    expect(result.usage.input_tokens).toBeGreaterThan(0);
    expect(result.usage.output_tokens).toBeGreaterThan(0);
    expect(result.usage.total_tokens).toBe(result.usage.input_tokens + result.usage.output_tokens);
  });

  test('the compaction item as input is opened and given to the model', { tags: ['H4'] }, async () => {
    const result = await compactOk({ model: MODEL, input: [user('The code word is slate.'), assistant('OK.')] });
    const next = [...result.output, user('Continue from here.')];
    const res = await postJson(`${h.baseURL}/responses`, { model: MODEL, input: next }, auth);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('completed');
    // The opened summary is part of the context: it costs tokens beyond the messages themselves.
    const count = async (input: unknown): Promise<number> => {
      const r = await postJson(`${h.baseURL}/responses/input_tokens`, { model: MODEL, input }, auth);
      expect(r.status).toBe(200);
      return ((await r.json()) as { input_tokens: number }).input_tokens;
    };
    const withSummary = await count(next);
    const without = await count(next.filter((i) => i.type !== 'compaction'));
    expect(withSummary).toBeGreaterThan(without);
  });

  test('continues a stored conversation through previous_response_id', { tags: ['M6'] }, async () => {
    const first = await postJson(
      `${h.baseURL}/responses`,
      { model: MODEL, input: 'Remember: the meeting is at noon.' },
      auth,
    );
    const id = ((await first.json()) as { id: string }).id;
    const result = await compactOk({ model: MODEL, previous_response_id: id, input: 'Compress this conversation.' });
    expect(
      result.output.filter((i) => i.type === 'message').map((i) => (i.content as { text: string }[])[0].text),
    ).toEqual(['Remember: the meeting is at noon.', 'Compress this conversation.']);
    expect(result.output.at(-1)?.type).toBe('compaction');
    // Compaction stores nothing: its id is not a response.
    expect((await fetch(`${h.baseURL}/responses/${result.id}`, { headers: auth })).status).toBe(404);
  });

  test('a tampered, foreign-owner or wrong-kind token is a 400 naming it', { tags: ['H4', 'M2'] }, async () => {
    const result = await compactOk({ model: MODEL, input: [user('secret plan')] });
    const item = result.output.at(-1) as { encrypted_content: string };
    const send = (input: unknown[], headers = auth) =>
      postJson(`${h.baseURL}/responses`, { model: MODEL, input }, headers);
    const tamperedItem = { type: 'compaction', encrypted_content: tampered(item.encrypted_content) };
    for (const [input, headers] of [
      [[user('hi'), tamperedItem], auth],
      [[user('hi'), item], { authorization: 'Bearer sk-two' }],
      [[user('hi'), { type: 'reasoning', summary: [], encrypted_content: item.encrypted_content }], auth],
    ] as const) {
      const res = await send([...input], headers);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; param: string } };
      expect(body.error.code).toBe('invalid_encrypted_content');
      expect(body.error.param).toBe('input[1].encrypted_content');
    }
    // A reasoning token is not a compaction token either.
    const reasoning = await postJson(
      `${h.baseURL}/responses`,
      { model: 'sim-reasoning', input: 'think', store: false, include: ['reasoning.encrypted_content'] },
      auth,
    );
    const rs = ((await reasoning.json()) as { output: { type: string; encrypted_content?: string }[] }).output.find(
      (o) => o.type === 'reasoning',
    );
    const res = await send([user('hi'), { type: 'compaction', encrypted_content: rs?.encrypted_content }]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('input[1].encrypted_content');
  });

  test('bad input: the OpenAI envelope with the right status, nothing stored', { tags: ['M2', 'E4'] }, async () => {
    const expectError = async (body: unknown, status: number, code: string, param: string | null) => {
      const r = await compactBody(body);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.error).toMatchObject({ code, param });
    };
    await expectError({ input: [user('Compact this conversation.')] }, 400, 'missing_required_parameter', 'model');
    await expectError({ model: 5, input: 'x' }, 400, 'invalid_type', 'model');
    await expectError({ model: MODEL, input: 'x', frobnicate: true }, 400, 'unknown_parameter', 'frobnicate');
    await expectError(
      { model: MODEL, input: [{ type: 'message', role: 'wizard', content: 'x' }] },
      400,
      'invalid_value',
      'input[0].role',
    );
    await expectError({ model: MODEL }, 400, 'missing_required_parameter', 'input');
    await expectError({ model: 'no-such-model', input: 'x' }, 404, 'model_not_found', 'model');
    await expectError(
      { model: MODEL, previous_response_id: 'resp_missing', input: 'x' },
      400,
      'previous_response_not_found',
      'previous_response_id',
    );
    await expectError([1], 400, 'invalid_type', null);
    const badJson = await fetch(`${h.baseURL}/responses/compact`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    const noKey = await postJson(`${h.baseURL}/responses/compact`, { model: MODEL, input: 'x' });
    expect(noKey.status).toBe(401);
    const wrongMethod = await fetch(`${h.baseURL}/responses/compact`, { method: 'PUT', headers: auth });
    expect(wrongMethod.status).toBe(405);
  });

  test('an oversized body is a 413', { tags: ['E4'] }, async () => {
    const small = await startGateway({ maxRequestBytes: 1000 });
    try {
      const res = await postJson(`${small.baseURL}/responses/compact`, { model: MODEL, input: 'x'.repeat(5000) });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
    } finally {
      await small.close();
    }
  });

  test('openai-node responses.compact', { tags: ['B1'] }, async () => {
    const client = new OpenAI({ baseURL: h.baseURL, apiKey: 'sk-one', maxRetries: 0 });
    const compacted = await client.responses.compact({
      model: MODEL,
      input: [
        { role: 'user', content: 'Remember the compaction code word: slate.' },
        { role: 'assistant', content: 'OK.' },
      ],
    });
    expect(compacted.object).toBe('response.compaction');
    expect(compacted.output.at(-1)?.type).toBe('compaction');
    const next = await client.responses.create({
      model: MODEL,
      input: [...(compacted.output as OpenAI.Responses.ResponseInputItem[]), { role: 'user', content: 'Continue.' }],
    });
    expect(next.status).toBe('completed');
  });
});

describe('compaction on a WebSocket chain', { tags: ['X2', 'X3'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway();
  });
  afterAll(async () => {
    await h.close();
  });

  test('the compacted window starts a new chain on the socket, which continues with store:false', async () => {
    const res = await postJson(`${h.baseURL}/responses/compact`, {
      model: MODEL,
      input: [
        user('Remember the compaction code word: slate.'),
        assistant('OK.'),
        user('Compress this conversation for later continuation.'),
      ],
    });
    expect(res.ok).toBe(true);
    const compacted = (await res.json()) as Compacted;
    const socket = await TestSocket.open(h.url, { 'x-responses-dialect': 'open-responses' });
    const first = await socket.turn({
      type: 'response.create',
      model: MODEL,
      store: false,
      input: [
        ...compacted.output,
        { type: 'message', role: 'user', content: 'Continue from here. Reply with exactly: compacted' },
      ],
      tools: [],
    });
    for (const f of first.frames) expect(validateEventAgainstSpec(f), f.type).toEqual([]);
    expect(first.response?.status).toBe('completed');
    const second = await socket.turn({
      type: 'response.create',
      model: MODEL,
      store: false,
      previous_response_id: first.response?.id,
      input: 'And now?',
    });
    await socket.close();
    expect(second.response?.status).toBe('completed');
    // The chain carried the opened summary: more input than the first turn's.
    const u1 = first.response?.usage as { input_tokens: number };
    const u2 = second.response?.usage as { input_tokens: number };
    expect(u2.input_tokens).toBeGreaterThan(u1.input_tokens);
  });
});
