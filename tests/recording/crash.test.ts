import fs from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { SseSplitter } from '../../src-server/shared/recording-format/sse-split.js';
import { openStore } from '../../src-server/store/index.js';
import { processExists, startGatewayProcess } from '../support/gateway-process.js';
import { tempDir } from './helpers.js';
const dataDir = tempDir('rs-rec-crash-');
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('recording crash safety (record/replay)', () => {
  test('SIGKILL mid-stream loses at most the event in flight', { tags: ['U6', 'X7'] }, async () => {
    const g = await startGatewayProcess(['--data-dir', dataDir, '--log-level', 'warn'], 'record');
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      g.child.on('exit', (_code, signal) => resolve(signal)),
    );
    try {
      const { url } = g;
      const res = await fetch(`${url}/v1/responses`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-simulator-ttft-ms': '0',
          'x-simulator-token-ms': '15',
          'x-simulator-deltas': '400',
        },
        body: JSON.stringify({ model: 'sim-chat', input: 'A long answer please', stream: true }),
      });
      const splitter = new SseSplitter();
      const received: string[] = [];
      const decoder = new TextDecoder();
      // Read without ever cancelling: the gateway must die mid-stream, not see the client leave.
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      while (received.length < 40) {
        const { value, done } = await reader.read();
        if (done) break;
        received.push(...splitter.push(decoder.decode(value, { stream: true })).map((p) => p.data));
      }
      // Everything counted so far reached the client; the process dies without any cleanup.
      const seen = [...received];
      g.child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      // The process that wrote the recordings is gone (no wrapper, no orphan).
      expect(processExists(g.pid)).toBe(false);
      await reader.cancel().catch(() => undefined);

      const store = openStore({ dataDir, sweepIntervalMs: 0 });
      try {
        expect(store.integrityCheck()).toBe('ok');
        const [summary] = store.recordings.listRecordings().data;
        const rec = store.recordings.getRecording(summary.id);
        expect(rec?.status).toBe('interrupted');
        const events = rec?.events ?? [];
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
        // The events of the last write may be on the wire but not yet committed: one tick, one event at this pace.
        expect(events.length).toBeGreaterThanOrEqual(seen.length - 1);
        const n = Math.min(events.length, seen.length);
        expect(events.slice(0, n).map((e) => e.data)).toEqual(seen.slice(0, n));
        expect(rec?.eventCount).toBe(events.length);
      } finally {
        store.close();
      }
    } finally {
      if (g.alive()) await g.kill();
    }
  });
});
