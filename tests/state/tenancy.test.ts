/**
 * X6: with several API keys, every stored response, background run, session, recording and sealed
 * reasoning token belongs to the key that created it. Another key gets the same 404 as for an
 * object that does not exist (no existence oracle); an admin key sees everything.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DATABASE_FILE } from '../../src-server/store/index.js';
import type { RecordingsStore } from '../../src-server/store/recordings-store.js';
import { ownerIdOf } from '../../src-server/tenancy/owner.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { tampered } from '../support/tamper.js';
import { FAST, finishedRecording, tempDir } from '../recording/helpers.js';
import { SseReader } from './sse-reader.js';

const A = 'sk-tenant-a-0123456789';
const B = 'sk-tenant-b-0123456789';
const ADMIN = 'sk-admin-0123456789';
const as = (key: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...extra });

let h: GatewayHarness;
let dataDir: string;
let store: RecordingsStore;
beforeAll(async () => {
  dataDir = tempDir('rs-tenancy-');
  h = await startGateway({ apiKeys: [A, B], adminApiKeys: [ADMIN], record: 'on', dataDir, logLevel: 'warn' });
  store = h.gateway.recording?.recordings as RecordingsStore;
});
afterAll(async () => {
  await h.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function call(
  key: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${h.url}${route}`, {
    method,
    headers: { ...as(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, json };
}

/** The 404 another key gets must look exactly like the 404 of an id that does not exist. */
function sameAsMissing(
  got: { status: number; json: Record<string, unknown> },
  id: string,
  missing: { status: number; json: Record<string, unknown> },
  missingId: string,
): void {
  expect(got.status).toBe(missing.status);
  expect(JSON.stringify(got.json).replaceAll(id, 'ID')).toBe(JSON.stringify(missing.json).replaceAll(missingId, 'ID'));
}

describe('X6 stored responses belong to their key', { tags: ['X6', 'M6'] }, () => {
  let stored: { id: string; output: { type: string; encrypted_content?: string }[] };
  beforeAll(async () => {
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-reasoning', input: 'A private thought', include: ['reasoning.encrypted_content'] },
      as(A, FAST),
    );
    stored = (await res.json()) as typeof stored;
  });

  test('another key cannot read, list, continue, cancel or delete it: the same 404 as a missing id', async () => {
    const missingId = 'resp_00000000000000000000000000000000';
    const id = stored.id;
    sameAsMissing(
      await call(B, 'GET', `/v1/responses/${id}`),
      id,
      await call(B, 'GET', `/v1/responses/${missingId}`),
      missingId,
    );
    sameAsMissing(
      await call(B, 'GET', `/v1/responses/${id}/input_items`),
      id,
      await call(B, 'GET', `/v1/responses/${missingId}/input_items`),
      missingId,
    );
    sameAsMissing(
      await call(B, 'POST', `/v1/responses/${id}/cancel`),
      id,
      await call(B, 'POST', `/v1/responses/${missingId}/cancel`),
      missingId,
    );
    sameAsMissing(
      await call(B, 'DELETE', `/v1/responses/${id}`),
      id,
      await call(B, 'DELETE', `/v1/responses/${missingId}`),
      missingId,
    );
    const cont = await call(B, 'POST', '/v1/responses', {
      model: 'sim-chat',
      input: 'go on',
      previous_response_id: id,
    });
    expect(cont.status).toBe(400);
    expect(cont.json.error).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' });
    const tokens = await call(B, 'POST', '/v1/responses/input_tokens', {
      model: 'sim-chat',
      input: 'x',
      previous_response_id: id,
    });
    expect(tokens.status).toBe(400);
    // Still there for its owner and for the admin.
    expect((await call(A, 'GET', `/v1/responses/${id}`)).status).toBe(200);
    expect((await call(A, 'GET', `/v1/responses/${id}/input_items`)).status).toBe(200);
    expect((await call(ADMIN, 'GET', `/v1/responses/${id}`)).status).toBe(200);
    const chained = await call(A, 'POST', '/v1/responses', {
      model: 'sim-chat',
      input: 'go on',
      previous_response_id: id,
    });
    expect(chained.status).toBe(200);
  });

  test('the store keeps the owner id, never the key', async () => {
    const db = new Database(path.join(dataDir, DATABASE_FILE), { readonly: true });
    try {
      const row = db.prepare('SELECT owner FROM responses WHERE id = ?').get(stored.id) as { owner: string };
      expect(row.owner).toBe(ownerIdOf(A));
      expect(row.owner).toMatch(/^key_[0-9a-f]{16}$/);
      const dump =
        JSON.stringify(db.prepare('SELECT * FROM responses').all()) +
        JSON.stringify(db.prepare('SELECT owner, request FROM recordings').all());
      expect(dump).not.toContain(A);
      expect(dump).not.toContain(B);
    } finally {
      db.close();
    }
    // The capability report lists the flags with every key redacted, admin keys included.
    const caps = JSON.stringify((await call(A, 'GET', '/v1/capabilities')).json);
    for (const key of [A, B, ADMIN]) expect(caps).not.toContain(key);
  });

  test("sealed reasoning is bound to its key: another key's token is a 400 like a tampered one, and not revealed", async () => {
    const item = stored.output.find((i) => i.type === 'reasoning') as {
      type: string;
      id?: string;
      encrypted_content: string;
      summary?: unknown;
    };
    expect(item.encrypted_content).toMatch(/^rsv1\./);
    const replay = {
      model: 'sim-chat',
      input: [
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: item.encrypted_content },
        { role: 'user', content: 'and?' },
      ],
    };
    const other = await call(B, 'POST', '/v1/responses', replay);
    expect(other.status).toBe(400);
    expect(other.json.error).toMatchObject({ code: 'invalid_encrypted_content', param: 'input[0].encrypted_content' });
    const forged = await call(A, 'POST', '/v1/responses', {
      ...replay,
      input: [{ ...replay.input[0], encrypted_content: tampered(item.encrypted_content) }, replay.input[1]],
    });
    expect(forged.status).toBe(400);
    expect((other.json.error as { message: string }).message).toBe((forged.json.error as { message: string }).message);
    expect((await call(A, 'POST', '/v1/responses', replay)).status).toBe(200);

    const inspectB = await call(B, 'POST', '/v1/console/encrypted-content/inspect', {
      encrypted_content: item.encrypted_content,
      reveal: true,
    });
    expect(inspectB.status).toBe(200);
    expect(inspectB.json).toMatchObject({ integrity: 'tampered' });
    expect(inspectB.json.payload).toBeUndefined();
    const inspectA = await call(A, 'POST', '/v1/console/encrypted-content/inspect', {
      encrypted_content: item.encrypted_content,
      reveal: true,
    });
    expect(inspectA.json).toMatchObject({ integrity: 'valid' });
    expect(inspectA.json.payload).toBeDefined();
    const inspectAdmin = await call(ADMIN, 'POST', '/v1/console/encrypted-content/inspect', {
      encrypted_content: item.encrypted_content,
      reveal: true,
    });
    expect(inspectAdmin.json).toMatchObject({ integrity: 'valid' });
  });
});

describe('X6 background runs and sessions belong to their key', { tags: ['X6', 'C1', 'L6'] }, () => {
  test('another key cannot follow, cancel or see a background run', async () => {
    const started = (await (
      await postJson(
        `${h.url}/v1/responses`,
        { model: 'sim-chat', input: 'slow', background: true, stream: false, max_output_tokens: 300 },
        as(A, { 'x-simulator-token-ms': '20' }),
      )
    ).json()) as { id: string };
    const id = started.id;
    expect((await call(B, 'GET', `/v1/responses/${id}`)).status).toBe(404);
    expect((await call(B, 'GET', `/v1/responses/${id}?stream=true&starting_after=-1`)).status).toBe(404);
    expect((await call(B, 'POST', `/v1/responses/${id}/cancel`)).status).toBe(404);
    const live = await call(A, 'GET', `/v1/responses/${id}`);
    expect(['queued', 'in_progress']).toContain(live.json.status);
    const cancelled = await call(A, 'POST', `/v1/responses/${id}/cancel`);
    expect(cancelled.json.status).toBe('cancelled');
  });

  test('another key cannot post tool outputs into a live session or read its state', async () => {
    const res = await postJson(
      `${h.url}/v1/responses`,
      {
        model: 'sim-chat',
        stream: true,
        input: 'Use get_weather for Paris',
        tools: [
          {
            type: 'function',
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        ],
      },
      as(A, { 'x-responses-session': 'on', ...FAST }),
    );
    const reader = new SseReader(res);
    const created = await reader.waitFor((e) => e.type === 'response.created');
    const id = (created.response as { id: string }).id;
    const call_ = await reader.waitFor(
      (e) => e.type === 'response.output_item.done' && (e.item as { type: string }).type === 'function_call',
    );
    const callId = (call_.item as { call_id: string }).call_id;
    const outputs = { tool_outputs: [{ call_id: callId, output: 'planted by B' }] };
    expect((await call(B, 'GET', `/v1/responses/${id}/session`)).status).toBe(404);
    const planted = await call(B, 'POST', `/v1/responses/${id}/tool_outputs`, outputs);
    expect(planted.status).toBe(404);
    expect(planted.json.error).toMatchObject({ code: 'response_not_found' });
    const state = await call(A, 'GET', `/v1/responses/${id}/session`);
    expect(state.json).toMatchObject({ status: 'waiting', pending_call_ids: [callId] });
    expect(
      (
        await call(A, 'POST', `/v1/responses/${id}/tool_outputs`, {
          tool_outputs: [{ call_id: callId, output: 'Sunny' }],
        })
      ).status,
    ).toBe(200);
    await reader.finished;
    expect(reader.events.map((e) => JSON.stringify(e)).join('')).not.toContain('planted by B');
  });
});

describe('X6 recordings belong to their key', { tags: ['X6', 'U6'] }, () => {
  test('another key neither lists, opens, exports, diffs, edits, deletes nor re-runs them', async () => {
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'Recorded for A only' },
      as(A, FAST),
    );
    const mine = await finishedRecording(store, res.headers.get('x-request-id') as string);
    const resB = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'Recorded for B' }, as(B, FAST));
    const theirs = await finishedRecording(store, resB.headers.get('x-request-id') as string);

    const listB = (await call(B, 'GET', '/v1/recordings?limit=1000')).json as { data: { id: string }[]; total: number };
    expect(listB.data.map((r) => r.id)).toContain(theirs.id);
    expect(listB.data.map((r) => r.id)).not.toContain(mine.id);
    expect((await call(B, 'GET', `/v1/recordings?search=${encodeURIComponent('Recorded for A')}`)).json).toMatchObject({
      total: 0,
    });
    const missing = await call(B, 'GET', '/v1/recordings/rec_missing');
    for (const [method, route, body] of [
      ['GET', `/v1/recordings/${mine.id}`],
      ['GET', `/v1/recordings/${mine.id}/export`],
      ['GET', `/v1/recordings/diff?a=${theirs.id}&b=${mine.id}`],
      ['PATCH', `/v1/recordings/${mine.id}`, { name: 'mine now' }],
      ['DELETE', `/v1/recordings/${mine.id}`],
      ['POST', `/v1/recordings/${mine.id}/rerun`, {}],
    ] as [string, string, unknown?][]) {
      const got = await call(B, method, route, body);
      expect(got.status, `${method} ${route}`).toBe(404);
      expect(JSON.stringify(got.json).replaceAll(mine.id, 'ID'), `${method} ${route}`).toBe(
        JSON.stringify(missing.json).replaceAll('rec_missing', 'ID'),
      );
    }
    expect(store.getSummary(mine.id)?.name).toBeNull();
    const listA = (await call(A, 'GET', '/v1/recordings?limit=1000')).json as { data: { id: string }[] };
    expect(listA.data.map((r) => r.id)).toContain(mine.id);
    expect(listA.data.map((r) => r.id)).not.toContain(theirs.id);
    const listAdmin = (await call(ADMIN, 'GET', '/v1/recordings?limit=1000')).json as { data: { id: string }[] };
    expect(listAdmin.data.map((r) => r.id)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    // Imports belong to the importer.
    const exported = await fetch(`${h.url}/v1/recordings/${mine.id}/export`, { headers: as(A) });
    await call(A, 'DELETE', `/v1/recordings/${mine.id}`);
    const imported = await fetch(`${h.url}/v1/recordings/import`, {
      method: 'POST',
      headers: as(B, { 'content-type': 'application/x-ndjson' }),
      body: await exported.text(),
    });
    const ids = ((await imported.json()) as { ids: string[] }).ids;
    expect((await call(B, 'GET', `/v1/recordings/${ids[0]}`)).status).toBe(200);
    expect((await call(A, 'GET', `/v1/recordings/${ids[0]}`)).status).toBe(404);
  });

  test("a continuation by another key does not join the owner's recorded session", async () => {
    const first = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'Session of A' }, as(A, FAST));
    const firstId = ((await first.json()) as { id: string }).id;
    const recA = await finishedRecording(store, first.headers.get('x-request-id') as string);
    const intruder = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'B tries', previous_response_id: firstId },
      as(B, FAST),
    );
    const recB = await finishedRecording(store, intruder.headers.get('x-request-id') as string);
    expect(recB.sessionId).not.toBe(recA.sessionId);
  });
});

describe('X6 without keys: one anonymous owner, everything shared', { tags: ['X6'] }, () => {
  test('any client reads what any other stored, whatever bearer it sends', async () => {
    const open = await startGateway({ logLevel: 'warn' });
    try {
      const made = (await (
        await postJson(
          `${open.url}/v1/responses`,
          { model: 'sim-chat', input: 'hi' },
          { authorization: 'Bearer whatever-1' },
        )
      ).json()) as { id: string };
      const read = await fetch(`${open.url}/v1/responses/${made.id}`, {
        headers: { authorization: 'Bearer something-else' },
      });
      expect(read.status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
