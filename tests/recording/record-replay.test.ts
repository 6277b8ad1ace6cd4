import fs from 'node:fs';
import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importFile, sessionFile } from '../../src-server/recording/export.js';
import { parseData, parseJsonl, toJsonl, type RecordingFile } from '../../src-server/shared/recording-format/format.js';
import { startReplayServer } from '../../src-server/recording/replay-server.js';
import { functionCalls, rerunSession } from '../../src-server/recording/rerun.js';
import { SseSplitter } from '../../src-server/shared/recording-format/sse-split.js';
import { openStore, type Store } from '../../src-server/store/index.js';
import type { RecordingsStore } from '../../src-server/store/recordings-store.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { FAST, finishedRecording, tempDir } from './helpers.js';
import { weatherTool } from '../support/fixtures.js';

let h: GatewayHarness;
let store: RecordingsStore;
const dirs: string[] = [];
const opened: Store[] = [];

beforeAll(async () => {
  const dir = tempDir('rs-rec-gw-');
  dirs.push(dir);
  h = await startGateway({ record: 'on', dataDir: dir, logLevel: 'warn' });
  store = h.gateway.recording?.recordings as RecordingsStore;
});
afterAll(async () => {
  await h.close();
  for (const s of opened) s.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Export → file text → import into a fresh store → export again: what a user moving a file does. */
async function throughFile(recordingId: string): Promise<RecordingFile> {
  const text = toJsonl((await sessionFile(store, recordingId)) as RecordingFile);
  const dir = tempDir('rs-rec-import-');
  dirs.push(dir);
  const other = openStore({ dataDir: dir, sweepIntervalMs: 0 });
  opened.push(other);
  const {
    ids: [id],
  } = await importFile(other.recordings, parseJsonl(text));
  return (await sessionFile(other.recordings, id)) as RecordingFile;
}

describe('record → export → import → replay (record/replay)', () => {
  test('the replayed stream has the same event sequence and the same bytes', async () => {
    const body = { model: 'sim-chat', input: 'Tell me about replays', stream: true };
    const live = await postJson(`${h.url}/v1/responses`, body, FAST);
    const liveText = await live.text();
    const summary = await finishedRecording(store, live.headers.get('x-request-id') as string);
    expect(summary).toMatchObject({ status: 'completed', httpStatus: 200, model: 'sim-chat' });
    expect(summary.textPreview).toContain('Tell me about replays');

    const file = await throughFile(summary.id);
    const run = file.runs[0];
    expect(run.events.map((e) => e.data).join('')).toBe(liveText);
    expect(run.events[0].type).toBe('response.created');
    expect(run.events.at(-1)?.type).toBe('response.completed');
    expect(run.events.map((e) => e.offsetMs)).toEqual([...run.events.map((e) => e.offsetMs)].sort((a, b) => a - b));

    const replay = await startReplayServer({ file, speed: 'instant' });
    try {
      const again = await postJson(`${replay.url}/v1/responses`, body);
      expect(again.status).toBe(200);
      expect(again.headers.get('content-type')).toBe(live.headers.get('content-type'));
      expect(await again.text()).toBe(liveText);
      // FIFO per key, then around again: the fixture can be used repeatedly.
      expect(await (await postJson(`${replay.url}/v1/responses`, body)).text()).toBe(liveText);
      const miss = await postJson(`${replay.url}/v1/responses`, { ...body, input: 'something else' });
      expect(miss.status).toBe(404);
      expect(((await miss.json()) as { error: { code: string } }).error.code).toBe('recording_not_matched');
    } finally {
      await replay.close();
    }
  });

  test('a non-streaming run replays its JSON body byte for byte', async () => {
    const body = { model: 'sim-chat', input: 'No stream please' };
    const live = await postJson(`${h.url}/v1/responses`, body, FAST);
    const liveText = await live.text();
    const summary = await finishedRecording(store, live.headers.get('x-request-id') as string);
    const replay = await startReplayServer({ file: await throughFile(summary.id), speed: 'instant' });
    try {
      expect(await (await postJson(`${replay.url}/v1/responses`, body)).text()).toBe(liveText);
    } finally {
      await replay.close();
    }
  });

  test('the replay server satisfies openai-node, streaming and not', async () => {
    const gw = new OpenAI({ baseURL: h.baseURL, apiKey: 'unused', maxRetries: 0, defaultHeaders: FAST });
    const liveEvents: ResponseStreamEvent[] = [];
    for await (const e of await gw.responses.create({ model: 'sim-chat', input: 'Stream to the SDK', stream: true }))
      liveEvents.push(e);
    const liveFinal = await gw.responses.create({ model: 'sim-chat', input: 'Answer the SDK' });
    const streamed = await finishedRecording(store, liveEvents.length ? await requestIdOf(liveEvents) : '');
    const plain = await finishedRecording(store, await requestIdOfResponse(liveFinal.id));
    const file: RecordingFile = {
      sessionId: null,
      exportedAt: '',
      runs: [...(await throughFile(streamed.id)).runs, ...(await throughFile(plain.id)).runs],
    };
    const replay = await startReplayServer({ file });
    try {
      const client = new OpenAI({ baseURL: `${replay.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const events: ResponseStreamEvent[] = [];
      for await (const e of await client.responses.create({
        model: 'sim-chat',
        input: 'Stream to the SDK',
        stream: true,
      }))
        events.push(e);
      expect(events).toEqual(liveEvents);
      const final = await client.responses.create({ model: 'sim-chat', input: 'Answer the SDK' });
      expect(final.output_text).toBe(liveFinal.output_text);
      expect(final.id).toBe(liveFinal.id);
    } finally {
      await replay.close();
    }
  });

  test('a recorded tool session re-run against the simulator matches', async () => {
    const first = {
      model: 'sim-chat',
      input: 'What is the weather in Paris? Use get_weather.',
      tools: [weatherTool],
      stream: true,
    };
    const r1 = await postJson(`${h.url}/v1/responses`, first, FAST);
    const text1 = await r1.text();
    const pieces = new SseSplitter().push(text1).map((p, seq) => ({ seq, offsetMs: 0, ...p }));
    const [call] = functionCalls(pieces);
    expect(call?.name).toBe('get_weather');
    const done = pieces.find((p) => p.type === 'response.output_item.done' && p.data.includes(call.callId));
    const item = (parseData(done?.data ?? '', false) as { item: { call_id: string; name: string; arguments: string } })
      .item;
    const second = {
      model: 'sim-chat',
      tools: [weatherTool],
      stream: true,
      input: [
        { role: 'user', content: first.input },
        { type: 'function_call', call_id: item.call_id, name: item.name, arguments: item.arguments },
        { type: 'function_call_output', call_id: item.call_id, output: '{"temperature_c":21}' },
      ],
    };
    const r2 = await postJson(`${h.url}/v1/responses`, second, FAST);
    expect(await r2.text()).toContain('temperature_c');
    const s1 = await finishedRecording(store, r1.headers.get('x-request-id') as string);
    const s2 = await finishedRecording(store, r2.headers.get('x-request-id') as string);
    expect(s1.toolsUsed).toEqual(['get_weather']);
    const runs = [...(await throughFile(s1.id)).runs, ...(await throughFile(s2.id)).runs];

    const result = await rerunSession(runs, { baseUrl: h.baseURL });
    expect(result.diffs).toHaveLength(2);
    for (const d of result.diffs) {
      expect(d.diff.missing).toEqual([]);
      expect(d.diff.extra).toEqual([]);
      expect(d.diff.response).toEqual([]);
      expect(d.diff.equal).toBe(true);
    }
    // The second request answered the re-run's own call, not the recorded one.
    const newCall = result.runs[0].events.map((e) => /"call_id":"([^"]+)"/.exec(e.data)?.[1]).find(Boolean);
    const sentInput = (result.runs[1].request.body as { input: { call_id?: string }[] }).input;
    expect(sentInput[2].call_id).toBe(newCall);
  });
});

/** The request id the gateway gave a response (its recording knows it). */
async function requestIdOf(events: ResponseStreamEvent[]): Promise<string> {
  const created = events.find((e) => e.type === 'response.created') as { response: { id: string } } | undefined;
  return requestIdOfResponse(created?.response.id ?? '');
}
async function requestIdOfResponse(responseId: string): Promise<string> {
  let id: string | null = null;
  await expect
    .poll(
      () =>
        (id =
          store.listRecordings({ search: responseId }).data.find((r) => r.responseId === responseId)?.requestId ??
          null),
    )
    .not.toBeNull();
  return id as unknown as string;
}
