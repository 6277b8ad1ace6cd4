import { describe, expect, test } from 'vitest';
import { assertSupported, capabilityReport, DEFAULT_CAPABILITIES, type CapabilityTable } from './capabilities.js';
import { isGatewayError } from './errors.js';
import type { CreateResponseRequest } from './types.js';

function rejection(
  body: Record<string, unknown>,
  table?: CapabilityTable,
): { code: string; param: string | null; message: string } | null {
  try {
    assertSupported({ model: 'm', ...body } as CreateResponseRequest, table);
    return null;
  } catch (e) {
    if (!isGatewayError(e)) throw e;
    expect(e.status).toBe(400);
    return { code: e.code, param: e.param, message: e.message };
  }
}

describe('capability table (GET /v1/capabilities)', { tags: ['B2', 'X4'] }, () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['prompt', { prompt: { id: 'pmpt_1' } }, 'prompt'],
    ['a web_search tool', { tools: [{ type: 'function', name: 'f' }, { type: 'web_search' }] }, 'tools[1].type'],
    ['an mcp tool', { tools: [{ type: 'mcp', server_label: 's' }] }, 'tools[0].type'],
    ['tool_choice naming a built-in tool', { tool_choice: { type: 'code_interpreter' } }, 'tool_choice.type'],
    ['a built-in tool item', { input: [{ type: 'web_search_call', id: 'ws_1' }] }, 'input[0].type'],
  ])('%s is rejected with unsupported_parameter', (_name, body, param) => {
    const e = rejection(body);
    expect(e).toMatchObject({ code: 'unsupported_parameter', param });
    expect(e?.message.length).toBeGreaterThan(`Unsupported parameter: '${param}'. `.length);
  });

  test('what the gateway honours or harmlessly accepts passes', () => {
    expect(
      rejection({
        input: [
          { role: 'user', content: 'x' },
          { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
          { type: 'function_call_output', call_id: 'c', output: 'y' },
        ],
        tools: [{ type: 'function', name: 'f' }],
        tool_choice: { type: 'function', name: 'f' },
        include: ['reasoning.encrypted_content', 'message.output_text.logprobs', 'web_search_call.action.sources'],
        background: false,
        previous_response_id: null,
        conversation: null,
        store: true,
      }),
    ).toBeNull();
    // M6: the store makes chaining and background runs available.
    expect(rejection({ previous_response_id: 'resp_1', background: true })).toBeNull();
    // X4: conversations and item references (typed, or a bare {id}) resolve against the store.
    expect(rejection({ conversation: 'conv_1', truncation: 'auto' })).toBeNull();
    expect(rejection({ input: [{ type: 'item_reference', id: 'msg_1' }, { id: 'msg_2' }] })).toBeNull();
  });

  test('flipping one entry turns a feature on', () => {
    const table: CapabilityTable = {
      ...DEFAULT_CAPABILITIES,
      parameters: {
        ...DEFAULT_CAPABILITIES.parameters,
        prompt: { status: 'supported', reason: 'Stored prompts are available.' },
      },
    };
    expect(rejection({ prompt: { id: 'pmpt_1' } }, table)).toBeNull();
    expect(rejection({ prompt: { id: 'pmpt_1' } })).not.toBeNull();
  });

  test('every entry has a reason and the report is JSON data', () => {
    const report = capabilityReport();
    expect(report.object).toBe('capabilities');
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    for (const section of ['parameters', 'tools', 'toolChoice', 'include', 'inputItems'] as const) {
      for (const [key, cap] of Object.entries(report[section])) {
        expect(['supported', 'accepted', 'unsupported'], key).toContain(cap.status);
        expect(cap.reason.length, key).toBeGreaterThan(5);
      }
    }
    // A copy: changing the report does not change the table.
    report.parameters.model.status = 'unsupported';
    expect(DEFAULT_CAPABILITIES.parameters.model.status).toBe('supported');
  });
});
