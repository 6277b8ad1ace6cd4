import { describe, expect, test } from 'vitest';
import type { ModelPart, ModelRequest } from '../../src-server/backends/contract.js';
import { defaultConfig, type GatewayConfig } from '../../src-server/config/flags.js';
import type { ResponseObject } from '../../src-server/engine/contract.js';
import { startResponseRun, type RunHooks } from '../../src-server/engine/response-run.js';
import { silentLogger } from '../../src-server/logging/logger.js';
import type { CreateResponseRequest } from '../../src-server/shared/protocol/types.js';
import { ScriptedBackend } from '../support/scripted-backend.js';

const TOOL_TURN: ModelPart[] = [
  { type: 'tool-call-start', index: 0, callId: 'call_1', name: 'get_weather' },
  { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Paris"}' },
  { type: 'finish', reason: 'tool_calls' },
];
const TEXT_TURN: ModelPart[] = [
  { type: 'text-delta', text: 'Sunny.' },
  { type: 'finish', reason: 'stop' },
];

const REQUEST = {
  model: 'test-model',
  input: 'Weather in Paris?',
  tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} } }],
} as unknown as CreateResponseRequest;

function start(
  adapter: ScriptedBackend,
  hooks: RunHooks,
  request: CreateResponseRequest = REQUEST,
  config: Partial<GatewayConfig> = {},
) {
  return startResponseRun(
    request,
    adapter,
    {
      requestId: 'req_turns',
      logger: silentLogger,
      dialect: 'openai',
      extensions: false,
      signal: new AbortController().signal,
      config: { ...defaultConfig(), validateStream: 'strict', ...config },
      backendHeaders: { 'x-simulator-latency': '0' },
      priority: 5,
    },
    hooks,
  );
}

const OUTPUT = {
  type: 'function_call_output',
  id: 'fco_1',
  call_id: 'call_1',
  output: '{"sky":"clear"}',
  status: 'completed',
} as unknown as ResponseObject['output'][number];

/** Session hooks whose client answers the tool call with OUTPUT at once. */
const SUPPLY_OUTPUT: RunHooks = {
  awaitToolOutputs: (_run, append) => {
    append(OUTPUT);
    return Promise.resolve(true);
  },
};

describe('C1 the run starts the next turn of a session itself', { tags: ['C1'] }, () => {
  test('once the outputs are in, the next backend request is the conversation so far, translated like the first', async () => {
    const adapter = ScriptedBackend.turns(TOOL_TURN, TEXT_TURN);
    const run = await start(adapter, SUPPLY_OUTPUT);
    const final = await run.finished;
    expect(final.status).toBe('completed');
    expect(final.output.map((i) => i.type)).toEqual(['function_call', 'function_call_output', 'message']);
    expect(adapter.requests).toHaveLength(2);
    const [first, second] = adapter.requests as [ModelRequest, ModelRequest];
    expect(second.input.map((i) => i.type)).toEqual(['message', 'function_call', 'function_call_output']);
    expect(second.input[2]).toMatchObject({
      type: 'function_call_output',
      callId: 'call_1',
      output: '{"sky":"clear"}',
    });
    // Same tools, headers and priority as the first turn.
    expect(second.tools).toEqual(first.tools);
    expect(second.headers).toEqual({ 'x-simulator-latency': '0' });
    expect(second.priority).toBe(5);
  });

  test('a later turn gets model-mode reasoning summaries like the first (H3)', { tags: ['H3'] }, async () => {
    const reasoningTurn: ModelPart[] = [
      { type: 'reasoning-delta', text: 'The sky report says clear, so it is sunny.' },
      { type: 'text-delta', text: 'Sunny.' },
      { type: 'finish', reason: 'stop' },
    ];
    const summaryCall: ModelPart[] = [
      { type: 'text-delta', text: 'Clear sky: sunny.' },
      { type: 'finish', reason: 'stop' },
    ];
    const adapter = ScriptedBackend.turns(TOOL_TURN, reasoningTurn, summaryCall);
    const run = await start(
      adapter,
      SUPPLY_OUTPUT,
      { ...REQUEST, reasoning: { summary: 'detailed' } } as CreateResponseRequest,
      { reasoningSummaryMode: 'model' },
    );
    const final = await run.finished;
    expect(final.status).toBe('completed');
    expect(adapter.requests).toHaveLength(3);
    const reasoning = final.output.find((i) => i.type === 'reasoning') as { summary: unknown[] } | undefined;
    expect(reasoning?.summary).toEqual([{ type: 'summary_text', text: 'Clear sky: sunny.' }]);
  });

  test('a wait that ends without outputs completes the response with its calls and calls the backend no more', async () => {
    const adapter = ScriptedBackend.turns(TOOL_TURN, TEXT_TURN);
    const run = await start(adapter, { awaitToolOutputs: () => Promise.resolve(false) });
    const final = await run.finished;
    expect(final.status).toBe('completed');
    expect(final.output.map((i) => i.type)).toEqual(['function_call']);
    expect(adapter.requests).toHaveLength(1);
  });
});
