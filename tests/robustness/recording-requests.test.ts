/**
 * Requests that used to end the gateway process while recording (always on in the console): a
 * deeply nested body with a bearer token (the recorder's redaction overflowed the stack inside a
 * request 'end' listener), the same through tool outputs, and a very long previous_response_id
 * (the recordings store's LIKE pattern was "too complex"). Run against a real gateway process so
 * that an exit or an uncaught exception fails the test, not just a wrong answer.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStore } from '../../src-server/store/index.js';
import { SseReader } from '../state/sse-reader.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { tempDir } from '../recording/helpers.js';
import { deepJson, expectError } from './helpers.js';

const KEY = 'robust-key-123456';
const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
let g: GatewayProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = tempDir('rs-robust-rec-');
  g = await startGatewayProcess(['--record', 'on', '--data-dir', dataDir, '--api-key', KEY, '--log-level', 'warn']);
});
afterAll(async () => {
  // Fails when the process exited by itself or logged an uncaught exception at any point.
  if (g) await g.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${g.url}${path}`, { method: 'POST', headers: { ...auth, ...headers }, body });

async function expectServing(): Promise<void> {
  expect(g.alive()).toBe(true);
  const res = await post('/v1/responses', JSON.stringify({ model: 'sim-chat', input: 'still there?' }));
  expect(res.status).toBe(200);
}

describe('X7 recording on: no request ends the process', { tags: ['X7', 'E4', 'M2'] }, () => {
  test('a body nested 10,000 deep with a bearer token is a 400 naming the depth limit', async () => {
    const body = `{"model":"sim-chat","input":"x","metadata":${deepJson(10_000)}}`;
    const error = await expectError(await post('/v1/responses', body), 400, {
      type: 'invalid_request_error',
      code: 'nesting_too_deep',
      param: null,
    });
    expect(error.message).toContain('128');
    expect(error.message).toContain('--max-request-depth');
    for (const depth of [129, 100_000]) {
      for (const kind of ['object', 'array'] as const) {
        const res = await post('/v1/responses', deepJson(depth, kind));
        await expectError(res, 400, { code: 'nesting_too_deep' });
      }
    }
    await expectServing();
  });

  test('the same through POST /v1/responses/{id}/tool_outputs, and the session then goes on', async () => {
    const res = await post(
      '/v1/responses',
      JSON.stringify({
        model: 'sim-chat',
        stream: true,
        input: 'Use get_weather for Paris',
        tools: [
          {
            type: 'function',
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        ],
      }),
      { 'x-responses-session': 'on' },
    );
    expect(res.status).toBe(200);
    const reader = new SseReader(res);
    const id = ((await reader.waitFor((e) => e.type === 'response.created')).response as { id: string }).id;
    const call = await reader.waitFor(
      (e) => e.type === 'response.output_item.done' && (e.item as { type: string }).type === 'function_call',
    );
    const callId = (call.item as { call_id: string }).call_id;
    for (;;) {
      const state = (await (await fetch(`${g.url}/v1/responses/${id}/session`, { headers: auth })).json()) as {
        status: string;
      };
      if (state.status === 'waiting') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const deep = `{"tool_outputs":[{"call_id":"${callId}","output":${deepJson(10_000, 'array', '"x"')}}]}`;
    await expectError(await post(`/v1/responses/${id}/tool_outputs`, deep), 400, { code: 'nesting_too_deep' });
    // Nothing was lost: the response still waits and takes a proper output.
    const ok = await post(
      `/v1/responses/${id}/tool_outputs`,
      JSON.stringify({ tool_outputs: [{ call_id: callId, output: 'Sunny' }] }),
    );
    expect(ok.status).toBe(200);
    await reader.finished;
    expect(reader.events.at(-1)?.type).toBe('response.completed');
    await expectServing();
  });

  test('with a recording present, a 60 kB previous_response_id is a 404, and a long search is answered', async () => {
    await expectServing(); // at least one recording exists now
    const long = `resp_${'a'.repeat(60_000)}`;
    const res = await post(
      '/v1/responses',
      JSON.stringify({ model: 'sim-chat', input: 'x', previous_response_id: long }),
    );
    await expectError(res, 400, { code: 'previous_response_not_found', param: 'previous_response_id' });
    // A URL stays under Node's 16 kB header limit: a long search is matched against exact ids only.
    const search = await fetch(`${g.url}/v1/recordings?search=${'%25'.repeat(5_000)}`, { headers: auth });
    expect(search.status).toBe(200);
    expect(((await search.json()) as { data: unknown[] }).data).toEqual([]);
    await expectServing();
  });

  test('the runs above are recorded; the deep body as a note, never walked', async () => {
    // Read through a second connection to the data dir, like the CLI does.
    const store = openStore({ dataDir, sweepIntervalMs: 0, recoverInterrupted: false });
    try {
      await expect
        .poll(() => store.recordings.listRecordings({ limit: 1000 }).data.filter((r) => r.httpStatus === 400).length)
        .toBeGreaterThanOrEqual(5);
      const rejected = store.recordings.listRecordings({ limit: 1000 }).data.filter((r) => r.httpStatus === 400);
      const bodies = rejected.map((r) => (store.recordings.getRecording(r.id)?.request as { body: unknown }).body);
      expect(bodies).toContain('[not recorded: the body nests deeper than 128 levels]');
      // The key never reaches a recording.
      for (const r of rejected) expect(JSON.stringify(store.recordings.getRecording(r.id))).not.toContain(KEY);
    } finally {
      store.close();
    }
  });
});
