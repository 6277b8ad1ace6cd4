import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sessionRuns } from '../../src-server/recording/export.js';
import type { Recorder } from '../../src-server/recording/recorder.js';
import { rerunSession } from '../../src-server/recording/rerun.js';
import { SseSplitter } from '../../src-server/shared/recording-format/sse-split.js';
import type { RecordingsStore } from '../../src-server/store/recordings-store.js';
import { ANONYMOUS_OWNER } from '../../src-server/tenancy/owner.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { FAST, finishedRecording, tempDir } from './helpers.js';

let h: GatewayHarness;
let store: RecordingsStore;
let recorder: Recorder;
let dataDir: string;
beforeAll(async () => {
  dataDir = tempDir('rs-rec-sessions-');
  h = await startGateway({ record: 'on', dataDir, logLevel: 'error' });
  store = h.gateway.recording?.recordings as RecordingsStore;
  recorder = h.gateway.recording?.recorder as Recorder;
});
afterAll(async () => {
  await h.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('recording sessions and actions (record/replay)', () => {
  test('a previous_response_id continuation joins the session of the response it continues', async () => {
    const first = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'First turn' }, FAST);
    const { id: responseId } = (await first.json()) as { id: string };
    const a = await finishedRecording(store, first.headers.get('x-request-id') as string);
    expect(a.responseId).toBe(responseId);
    const next = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'Second turn', previous_response_id: responseId },
      FAST,
    );
    await next.text();
    const b = await finishedRecording(store, next.headers.get('x-request-id') as string);
    expect(b.sessionId).toBe(a.sessionId);
    const unrelated = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'Other' }, FAST);
    await unrelated.text();
    const c = await finishedRecording(store, unrelated.headers.get('x-request-id') as string);
    expect(c.sessionId).not.toBe(a.sessionId);
  });

  test('actions land in the running recording at their offset; tool-output posts are recorded on their response', async () => {
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'Slow please', stream: true },
      { 'x-simulator-ttft-ms': '0', 'x-simulator-token-ms': '10', 'x-simulator-deltas': '30' },
    );
    const splitter = new SseSplitter();
    const decoder = new TextDecoder();
    let responseId: string | undefined;
    let acted = false;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      for (const p of splitter.push(decoder.decode(chunk, { stream: true }))) {
        responseId ??= /"id":"(resp_[^"]+)"/.exec(p.data)?.[1];
        if (!acted && p.type === 'response.output_text.delta' && responseId) {
          acted = true;
          expect(recorder.recordAction(responseId, { kind: 'note', data: { by: 'test' } }, ANONYMOUS_OWNER)).toBe(true);
          await postJson(`${h.url}/v1/responses/${responseId}/tool_outputs`, {
            tool_outputs: [{ call_id: 'c1', output: 'x' }],
          });
        }
      }
    }
    const summary = await finishedRecording(store, res.headers.get('x-request-id') as string);
    const rec = store.getRecording(summary.id);
    expect(rec?.actions.map((a) => a.kind)).toEqual(['note', 'tool_outputs']);
    expect(rec?.actions[1].data).toEqual({ tool_outputs: [{ call_id: 'c1', output: 'x' }] });
    const firstDelta = rec?.events.find((e) => e.type === 'response.output_text.delta')?.offsetMs ?? 0;
    expect(rec?.actions[0].offsetMs).toBeGreaterThanOrEqual(firstDelta);
    expect(rec?.actions[1].offsetMs).toBeLessThanOrEqual(rec?.events.at(-1)?.offsetMs ?? 0);
    // The submission itself is a run of the same session; once finished, a run takes no more actions.
    const runs = store.listRecordings({ sessionId: summary.sessionId as string }).data;
    expect(runs.map((r) => r.id)).toContain(summary.id);
    expect(runs).toHaveLength(2);
    expect(recorder.recordAction(responseId as string, { kind: 'late', data: null }, ANONYMOUS_OWNER)).toBe(false);
  });
});

describe('session mode recording and re-run (record/replay)', () => {
  test('a session-mode tool session is recorded with its tool outputs and re-runs to the same result', async () => {
    const tools = [
      {
        type: 'function',
        name: 'get_weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ];
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', stream: true, input: 'Use get_weather for Paris', tools },
      { ...FAST, 'x-responses-session': 'on' },
    );
    const splitter = new SseSplitter();
    const decoder = new TextDecoder();
    let responseId: string | undefined;
    let text = '';
    let submitted = false;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      for (const p of splitter.push(decoder.decode(chunk, { stream: true }))) {
        text += p.data;
        responseId ??= /"id":"(resp_[^"]+)"/.exec(p.data)?.[1];
        const call = /"call_id":"(call_[^"]+)"/.exec(p.data)?.[1];
        if (!submitted && call && p.type === 'response.output_item.done') {
          submitted = true;
          let answer: Response;
          do {
            answer = await postJson(`${h.url}/v1/responses/${responseId}/tool_outputs`, {
              tool_outputs: [{ call_id: call, output: 'Sunny, 21 C' }],
            });
            if (answer.status === 409) await new Promise((r) => setTimeout(r, 10));
          } while (answer.status === 409);
          expect(answer.status).toBe(200);
        }
      }
    }
    expect(text).toContain('Sunny, 21 C');
    const summary = await finishedRecording(store, res.headers.get('x-request-id') as string);
    const rec = store.getRecording(summary.id);
    expect(rec?.actions.map((a) => a.kind)).toEqual(['tool_outputs']);

    const runs = await sessionRuns(store, summary.id);
    expect(runs.map((r) => r.request.path)).toEqual(['/v1/responses', `/v1/responses/${responseId}/tool_outputs`]);
    const result = await rerunSession(runs, { baseUrl: h.url });
    expect(result.diffs).toHaveLength(1);
    expect(result.diffs[0].diff.missing).toEqual([]);
    expect(result.diffs[0].diff.response).toEqual([]);
    expect(result.diffs[0].diff.equal).toBe(true);
    const rerun = result.runs.find((r) => r.request.path === '/v1/responses');
    expect(rerun?.events.map((e) => e.data).join('')).toContain('Sunny, 21 C');
  });
});
