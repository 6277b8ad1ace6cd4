/**
 * Store write throughput: responses saved per second into a file database (WAL, synchronous
 * NORMAL), each a realistic 2–5 KB Response with its input items, saved twice as the gateway
 * does (in_progress at creation, completed at the end), plus recording-event append throughput.
 *
 *   node --import tsx src-server/store/bench-store.ts [COUNT]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { openStore } from './index.js';

export interface StoreBenchOptions {
  /** Responses to write (default 2000). */
  count?: number;
  /** Folder for the database; a temporary folder (removed afterwards) when omitted. */
  dataDir?: string;
}

export interface StoreBenchResult {
  count: number;
  /** Average stored bytes per response (response JSON + input items). */
  averageBytes: number;
  /** Complete responses (two saves each) per second. */
  responsesPerSecond: number;
  /** Recording events per second through appendEvent + tick flush. */
  recordingEventsPerSecond: number;
  /** Bytes on disk per recorded event (database + WAL growth / events). */
  bytesPerRecordedEvent: number;
}

const WORDS = 'the model answered with a long and careful explanation of streaming events and tool calls'.split(' ');

function sampleText(i: number, bytes: number): string {
  let out = '';
  for (let k = i; out.length < bytes; k++) out += `${WORDS[k % WORDS.length]} `;
  return out.slice(0, bytes);
}

function sampleResponse(i: number, status: string) {
  // 1.5–4 KB of output text so the stored response lands between 2 and 5 KB.
  const text = sampleText(i, 1500 + ((i * 397) % 2500));
  return {
    id: `resp_bench_${i}`,
    object: 'response',
    created_at: 1_700_000_000 + i,
    status,
    model: 'Qwen/Qwen3-8B',
    instructions: null,
    temperature: 0.7,
    top_p: 1,
    tool_choice: 'auto',
    tools: [],
    parallel_tool_calls: true,
    usage:
      status === 'completed'
        ? {
            input_tokens: 40,
            output_tokens: 400,
            total_tokens: 440,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens_details: { reasoning_tokens: 0 },
          }
        : null,
    output:
      status === 'completed'
        ? [
            {
              id: `msg_bench_${i}`,
              type: 'message',
              role: 'assistant',
              status: 'completed',
              content: [{ type: 'output_text', text, annotations: [] }],
            },
          ]
        : [],
  };
}

const dirSize = (dir: string) => fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);

export async function benchStoreWrites(options: StoreBenchOptions = {}): Promise<StoreBenchResult> {
  const count = options.count ?? 2000;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rs-bench-store-'));
  const store = openStore({ dataDir, sweepIntervalMs: 0 });
  try {
    const inputItems = [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Explain the event stream.' }] },
    ];
    let started = performance.now();
    for (let i = 0; i < count; i++) {
      store.responses.saveResponse({ response: sampleResponse(i, 'in_progress'), inputItems, requestId: `req_${i}` });
      store.responses.saveResponse({ response: sampleResponse(i, 'completed') });
    }
    const responsesSeconds = (performance.now() - started) / 1000;
    const averageBytes = store.responses.stats().bytes / count;

    const events = count * 20;
    const sizeBefore = dirSize(dataDir);
    const recording = store.recordings.startRecording({ request: { model: 'Qwen/Qwen3-8B' } });
    const delta = sampleText(7, 24);
    started = performance.now();
    for (let seq = 0; seq < events; seq++) {
      const data = `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${seq},"item_id":"msg_1","output_index":0,"content_index":0,"delta":"${delta}"}\n\n`;
      store.recordings.appendEvent(recording, { seq, offsetMs: seq * 0.8, type: 'response.output_text.delta', data });
      // A streaming run produces a few events per tick; flush on the store's own schedule.
      if (seq % 4 === 3) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    store.recordings.finishRecording(recording, { status: 'completed', durationMs: events * 0.8 });
    const eventsSeconds = (performance.now() - started) / 1000;
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const bytesPerRecordedEvent = (dirSize(dataDir) - sizeBefore) / events;

    return {
      count,
      averageBytes: Math.round(averageBytes),
      responsesPerSecond: Math.round(count / responsesSeconds),
      recordingEventsPerSecond: Math.round(events / eventsSeconds),
      bytesPerRecordedEvent: Math.round(bytesPerRecordedEvent),
    };
  } finally {
    store.close();
    if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const count = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(JSON.stringify(await benchStoreWrites({ count }), null, 2));
}
