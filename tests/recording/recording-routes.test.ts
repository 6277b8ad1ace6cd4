import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RecordingDiff } from '../../src-server/shared/recording-format/diff.js';
import type { RecordedRun } from '../../src-server/shared/recording-format/format.js';
import { parseJsonl } from '../../src-server/shared/recording-format/format.js';
import type { RecordingsStore, RecordingSummary } from '../../src-server/store/recordings-store.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { FAST, finishedRecording, tempDir } from './helpers.js';

let h: GatewayHarness;
let store: RecordingsStore;
let dataDir: string;
beforeAll(async () => {
  dataDir = tempDir('rs-rec-routes-');
  h = await startGateway({ record: 'on', dataDir, logLevel: 'warn' });
  store = h.gateway.recording?.recordings as RecordingsStore;
});
afterAll(async () => {
  await h.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const api = async <T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T; text: string }> => {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON Lines exports are not one JSON value.
  }
  return { status: res.status, body: parsed as T, text };
};

async function record(input: string): Promise<RecordingSummary> {
  const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input, stream: true }, FAST);
  await res.text();
  return finishedRecording(store, res.headers.get('x-request-id') as string);
}

describe('recordings REST API for the console (record/replay)', () => {
  test('list and search, open, rename and tag, export, import, diff, delete', async () => {
    const a = await record('Penguins in Antarctica');
    const b = await record('Camels in the desert');

    const list = await api<{ data: RecordingSummary[]; total: number; recording: boolean }>('GET', '/v1/recordings');
    expect(list.body.recording).toBe(true);
    expect(list.body.data.map((r) => r.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    const search = await api<{ data: RecordingSummary[] }>('GET', '/v1/recordings?search=penguins');
    expect(search.body.data.map((r) => r.id)).toEqual([a.id]);

    const open = await api<RecordedRun>('GET', `/v1/recordings/${a.id}`);
    expect(open.body.events[0].type).toBe('response.created');
    expect(open.body.request.body).toMatchObject({ input: 'Penguins in Antarctica' });

    const patched = await api<RecordingSummary>('PATCH', `/v1/recordings/${a.id}`, {
      name: 'birds',
      tags: ['zoo', 'cold'],
    });
    expect(patched.body).toMatchObject({ name: 'birds', tags: ['zoo', 'cold'] });
    expect(
      (await api<{ data: RecordingSummary[] }>('GET', '/v1/recordings?search=zoo')).body.data.map((r) => r.id),
    ).toEqual([a.id]);
    expect((await api('PATCH', `/v1/recordings/${a.id}`, { tags: 'zoo' })).status).toBe(400);

    const exported = await api('GET', `/v1/recordings/${a.id}/export`);
    expect(exported.status).toBe(200);
    const file = parseJsonl(exported.text);
    expect(file.runs[0].events.map((e) => e.data).join('')).toBe(open.body.events.map((e) => e.data).join(''));
    const har = await api<{ log: { version: string; entries: { _sseEvents: unknown[] }[] } }>(
      'GET',
      `/v1/recordings/${a.id}/export?format=har`,
    );
    expect(har.body.log.version).toBe('1.2');
    expect(har.body.log.entries[0]._sseEvents).toHaveLength(open.body.events.length);

    const diff = await api<RecordingDiff>('GET', `/v1/recordings/diff?a=${a.id}&b=${b.id}`);
    expect(diff.body.equal).toBe(false);
    expect(diff.body.response.some((c) => c.path.startsWith('output[0].content[0].text'))).toBe(true);

    expect((await api('DELETE', `/v1/recordings/${a.id}`)).status).toBe(200);
    expect((await api('GET', `/v1/recordings/${a.id}`)).status).toBe(404);
    const imported = await api<{ ids: string[] }>('POST', '/v1/recordings/import', exported.text);
    expect(imported.body.ids).toEqual([a.id]);
    expect((await api<RecordedRun>('GET', `/v1/recordings/${a.id}`)).body.events).toHaveLength(open.body.events.length);
    expect((await api('POST', '/v1/recordings/import', 'not a recording')).status).toBe(400);
  });

  test('re-run against this gateway records the new run and diffs it with the original', async () => {
    const original = await record('Run me twice');
    const res = await api<{ runs: string[]; diffs: { recordedId: string; diff: RecordingDiff }[] }>(
      'POST',
      `/v1/recordings/${original.id}/rerun`,
      {},
    );
    expect(res.status).toBe(200);
    expect(res.body.diffs).toHaveLength(1);
    expect(res.body.diffs[0].recordedId).toBe(original.id);
    expect(res.body.diffs[0].diff.equal).toBe(true);
    // The gateway's recorder kept the re-run like any other run.
    await expect
      .poll(() => store.listRecordings({ search: 'Run me twice' }).data.filter((r) => r.status === 'completed').length)
      .toBe(2);
  });
});
