import { silentLogger } from '../../src-server/logging/logger.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, test } from 'vitest';
import type {
  BackendAdapter,
  ModelInfo,
  ModelPart,
  ModelRequest,
  StreamOptions,
} from '../../src-server/backends/contract.js';
import { defaultConfig } from '../../src-server/config/flags.js';
import type { CreateResponseRequest } from '../../src-server/shared/protocol/types.js';
import { startResponseRun } from '../../src-server/engine/response-run.js';
import { openStore } from '../../src-server/store/index.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { SseReader } from './sse-reader.js';

/** A full GC on demand (the test process is not started with --expose-gc). */
function collectGarbage(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** One model turn that ends with a function call; remembers each stream it hands out (weakly). */
class ToolCallAdapter implements BackendAdapter {
  readonly kind = 'tool-call';
  readonly baseUrl = 'http://127.0.0.1:0';
  readonly streams: WeakRef<object>[] = [];

  listModels(): Promise<ModelInfo[]> {
    return Promise.resolve([{ id: 'test-model' }]);
  }

  stream(_request: ModelRequest, _options: StreamOptions): Promise<AsyncIterable<ModelPart>> {
    const stream = this.generate();
    this.streams.push(new WeakRef(stream));
    return Promise.resolve(stream);
  }

  private async *generate(): AsyncGenerator<ModelPart> {
    // A backend buffer the size of a real response body, so that keeping it would matter.
    const body = 'x'.repeat(64 * 1024);
    yield { type: 'tool-call-start', index: 0, callId: 'call_1', name: 'get_weather' };
    await Promise.resolve();
    yield { type: 'tool-call-delta', index: 0, argumentsDelta: `{"city":"Paris","n":${body.length}}` };
    yield { type: 'finish', reason: 'tool_calls' };
  }
}

let h: GatewayHarness | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

describe('C1 E8 memory of a session waiting for tool outputs', { tags: ['C1', 'E8'] }, () => {
  test('a waiting response keeps no reference to its finished backend stream', async () => {
    const gc = collectGarbage();
    const adapter = new ToolCallAdapter();
    const controller = new AbortController();
    let release!: (goOn: boolean) => void;
    let waiting!: () => void;
    const isWaiting = new Promise<void>((resolve) => (waiting = resolve));
    const run = await startResponseRun(
      { model: 'test-model', input: 'Weather in Paris?' } as CreateResponseRequest,
      adapter,
      {
        requestId: 'req_1',
        logger: silentLogger,
        dialect: 'openai',
        extensions: false,
        signal: controller.signal,
        config: defaultConfig(),
      },
      {
        awaitToolOutputs: () =>
          new Promise((resolve) => {
            release = resolve;
            waiting();
          }),
      },
    );
    await isWaiting;
    // WeakRef targets stay alive until the current job ends: collect on a later turn.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(adapter.streams).toHaveLength(1);
    expect(adapter.streams[0]?.deref()).toBeUndefined();
    release(false);
    const final = await run.finished;
    expect(final.status).toBe('completed');
    expect(final.output.map((i) => i.type)).toEqual(['function_call']);
  });

  test('shutdown with sessions waiting saves every final state before the store closes', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'idle-sessions-'));
    h = await startGateway({ logLevel: 'warn', dataDir });
    const ids: string[] = [];
    const readers: SseReader[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await postJson(
        `${h.url}/v1/responses`,
        {
          model: 'sim-chat',
          stream: true,
          input: 'Use get_weather for Paris',
          tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} } }],
        },
        { 'x-responses-session': 'on' },
      );
      const reader = new SseReader(res);
      const created = await reader.waitFor((e) => e.type === 'response.created');
      await reader.waitFor((e) => e.type === 'response.function_call_arguments.done');
      ids.push((created.response as { id: string }).id);
      readers.push(reader);
    }
    await h.close();
    h = undefined;
    const store = openStore({ dataDir, sweepIntervalMs: 0 });
    try {
      const statuses = ids.map((id) => store.responses.getResponse(id)?.response.status);
      // Ended by the shutdown, saved as such: nothing left 'in_progress' for the next start to repair.
      expect(statuses.every((s) => s !== undefined && s !== 'in_progress' && s !== 'queued')).toBe(true);
      expect(new Set(statuses).size).toBe(1);
    } finally {
      store.close();
    }
  });
});
