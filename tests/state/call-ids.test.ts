/**
 * A continuation's function_call_output must answer a function call of the conversation: over
 * HTTP as over a WebSocket, an unknown call_id is a 400 naming it (the failed continuation the
 * WebSocket eviction rule is about), and a known one continues.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { weatherTool } from '../support/fixtures.js';

describe('function_call_output call ids on continuation', { tags: ['M6', 'M2', 'X2'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway();
  });
  afterAll(async () => {
    await h.close();
  });

  test('unknown call_id: 400 input[i].call_id; the real one continues', async () => {
    const first = await postJson(`${h.baseURL}/responses`, {
      model: 'sim-chat',
      input: 'Weather in Paris?',
      tools: [weatherTool],
      tool_choice: 'required',
    });
    const response = (await first.json()) as { id: string; output: { type: string; call_id?: string }[] };
    const call = response.output.find((o) => o.type === 'function_call');
    expect(call?.call_id).toBeDefined();
    const bad = await postJson(`${h.baseURL}/responses`, {
      model: 'sim-chat',
      previous_response_id: response.id,
      input: [{ type: 'function_call_output', call_id: 'call_nope', output: 'x' }],
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: unknown }).error).toMatchObject({
      code: 'invalid_value',
      param: 'input[0].call_id',
    });
    const good = await postJson(`${h.baseURL}/responses`, {
      model: 'sim-chat',
      previous_response_id: response.id,
      input: [{ type: 'function_call_output', call_id: call?.call_id, output: '21 C' }],
    });
    expect(good.status).toBe(200);
  });
});
