/**
 * Every client-executed tool type through openai-node (7.x) and the Agents SDK: the model's call
 * comes back as the item type the client offered (function_call with `namespace`,
 * custom_tool_call, local_shell_call, shell_call, apply_patch_call), streamed and not, with the
 * gateway's stream validator in strict mode, and the outputs go back to the model. The simulator
 * is told which tool to call with `x-simulator-tool` (and, where the test needs exact arguments,
 * `x-simulator-tool-arguments`).
 */
import { Agent, Runner, applyPatchTool, setTracingDisabled, shellTool } from '@openai/agents';
import type { Editor, Shell, ShellAction } from '@openai/agents';
import { OpenAIProvider } from '@openai/agents-openai';
import OpenAI from 'openai';
import type {
  Response,
  ResponseInputItem,
  ResponseOutputItem,
  ResponseStreamEvent,
  Tool,
} from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CREATE_RESPONSE_REQUEST_SCHEMA } from '../../src-server/shared/protocol/request-schema.js';
import { validateStream, type StreamEventLike } from '../../src-server/shared/protocol/stream-validator.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { AJV_OPTIONS } from '../../src-server/shared/protocol/validate-request.js';
import { validateEventAgainstSpec, validateResponseAgainstSpec } from '../support/open-responses-spec.js';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';

const PATCH_GRAMMAR = [
  'start: begin_patch hunk+ end_patch',
  'begin_patch: "*** Begin Patch" LF',
  'end_patch: "*** End Patch" LF?',
  'hunk: add_hunk',
  'add_hunk: "*** Add File: " filename LF add_line+',
  'filename: /(.+)/',
  'add_line: "+" /(.*)/ LF -> line',
  '%import common.LF',
].join('\n');
const PATCH = '*** Begin Patch\n*** Add File: hello.txt\n+Hello "world" \\ \u00e9\n*** End Patch\n';

const namespaceTool = {
  type: 'namespace',
  name: 'mcp__echo',
  description: 'Tools of the echo MCP server.',
  tools: [
    {
      type: 'function',
      name: 'echo',
      description: 'Echo the given text back.',
      strict: false,
      parameters: {
        type: 'object',
        properties: { text: { type: 'string' } },
        required: ['text'],
        additionalProperties: false,
      },
    },
  ],
} as unknown as Tool;
const customTool = {
  type: 'custom',
  name: 'apply_patch',
  description: 'Edit files. This is a FREEFORM tool.',
  format: { type: 'grammar', syntax: 'lark', definition: PATCH_GRAMMAR },
} as Tool;
const plainCustomTool = { type: 'custom', name: 'note' } as Tool;

/** JSON with every non-ASCII character escaped: header values are ASCII. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** An output item as a client sends it back (openai-node's stream helper adds `parsed_arguments`). */
function asInput(item: ResponseOutputItem): ResponseInputItem {
  const { parsed_arguments: _parsed, ...rest } = item as ResponseOutputItem & { parsed_arguments?: unknown };
  return rest as ResponseInputItem;
}

interface Case {
  label: string;
  tools: Tool[];
  /** The name the backend model sees (x-simulator-tool). */
  backendName: string;
  args?: unknown;
  check(item: ResponseOutputItem): void;
  /** The output item that answers the call. */
  answer(item: ResponseOutputItem): ResponseInputItem;
}

const CASES: Case[] = [
  {
    label: 'namespace function → function_call with namespace',
    tools: [namespaceTool],
    backendName: 'mcp__echo__echo',
    check: (item) => {
      expect(item).toMatchObject({ type: 'function_call', namespace: 'mcp__echo', name: 'echo' });
      expect(JSON.parse((item as { arguments: string }).arguments)).toEqual({ text: expect.any(String) });
    },
    answer: (item) => ({
      type: 'function_call_output',
      call_id: (item as { call_id: string }).call_id,
      output: 'echoed',
    }),
  },
  {
    label: 'custom tool with a grammar → custom_tool_call',
    tools: [customTool],
    backendName: 'apply_patch',
    args: { input: PATCH },
    check: (item) => expect(item).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', input: PATCH }),
    answer: (item) => ({
      type: 'custom_tool_call_output',
      call_id: (item as { call_id: string }).call_id,
      output: 'patched',
    }),
  },
  {
    label: 'custom tool without a format, schema-generated input → custom_tool_call',
    tools: [plainCustomTool],
    backendName: 'note',
    check: (item) => {
      expect(item).toMatchObject({ type: 'custom_tool_call', name: 'note' });
      expect(typeof (item as { input: unknown }).input).toBe('string');
    },
    answer: (item) => ({
      type: 'custom_tool_call_output',
      call_id: (item as { call_id: string }).call_id,
      output: 'noted',
    }),
  },
  {
    label: 'local_shell → local_shell_call',
    tools: [{ type: 'local_shell' }],
    backendName: 'local_shell',
    args: { command: ['ls', '-la'], timeout_ms: 5000 },
    check: (item) =>
      expect(item).toMatchObject({
        type: 'local_shell_call',
        status: 'completed',
        action: { type: 'exec', command: ['ls', '-la'], env: {}, timeout_ms: 5000 },
      }),
    answer: (item) => ({ type: 'local_shell_call_output', id: (item as { id: string }).id, output: 'total 0' }),
  },
  {
    label: 'shell (local environment) → shell_call',
    tools: [{ type: 'shell', environment: { type: 'local' } } as Tool],
    backendName: 'shell',
    args: { commands: ['echo hi', 'pwd'] },
    check: (item) =>
      expect(item).toMatchObject({
        type: 'shell_call',
        status: 'completed',
        environment: { type: 'local' },
        action: { commands: ['echo hi', 'pwd'], timeout_ms: null, max_output_length: null },
      }),
    answer: (item) =>
      ({
        type: 'shell_call_output',
        call_id: (item as { call_id: string }).call_id,
        output: [
          { stdout: 'hi\n', stderr: '', outcome: { type: 'exit', exit_code: 0 } },
          { stdout: '/w\n', stderr: '', outcome: { type: 'exit', exit_code: 0 } },
        ],
      }) as ResponseInputItem,
  },
  {
    label: 'apply_patch → apply_patch_call',
    tools: [{ type: 'apply_patch' } as Tool],
    backendName: 'apply_patch',
    args: { type: 'create_file', path: 'hello.txt', diff: '+hello\n' },
    check: (item) =>
      expect(item).toMatchObject({
        type: 'apply_patch_call',
        status: 'completed',
        operation: { type: 'create_file', path: 'hello.txt', diff: '+hello\n' },
      }),
    answer: (item) =>
      ({
        type: 'apply_patch_call_output',
        call_id: (item as { call_id: string }).call_id,
        status: 'completed',
        output: 'Created hello.txt',
      }) as ResponseInputItem,
  },
];

const requestTool = new Ajv2020({ ...AJV_OPTIONS, validateSchema: false }).compile({
  ...CREATE_RESPONSE_REQUEST_SCHEMA,
  $ref: '#/$defs/Tool',
  type: undefined,
  required: undefined,
  properties: undefined,
  additionalProperties: undefined,
});

/** Every echoed tool can be sent again as is; a function tool is a complete Open Responses FunctionTool. */
function expectCompleteToolEcho(response: Response): void {
  for (const tool of response.tools) {
    expect(requestTool(tool), JSON.stringify(requestTool.errors)).toBe(true);
    if (tool.type === 'function') {
      expect(tool).toHaveProperty('description');
      expect(tool).toHaveProperty('strict');
      expect(tool).toHaveProperty('parameters');
    }
  }
}

/** Open Responses: events and items the spec defines are validated against it (custom/shell items are not in it). */
function expectSpecValid(events: ResponseStreamEvent[]): void {
  const specItems = new Set(['message', 'function_call', 'function_call_output', 'reasoning']);
  for (const event of events) {
    const item = (event as { item?: { type: string } }).item;
    if (item && !specItems.has(item.type)) continue;
    if ((event as { response?: unknown }).response) continue;
    if (event.type.startsWith('response.custom_tool_call_input')) continue;
    expect(validateEventAgainstSpec(event), event.type).toEqual([]);
  }
}

describe.each(['openai', 'open-responses'] as const)(
  'client-executed tools with openai-node (%s dialect)',
  (dialect) => {
    let h: GatewayHarness;
    let client: OpenAI;
    beforeAll(async () => {
      h = await startGateway({ dialect, logLevel: 'warn' });
      client = new OpenAI({ baseURL: h.baseURL, apiKey: 'test-key', maxRetries: 0 });
    });
    afterAll(async () => {
      expect(h.logs.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
      await h.close();
    });

    const headers = (c: Case): Record<string, string> => ({
      'x-simulator-tool': c.backendName,
      ...(c.args === undefined ? {} : { 'x-simulator-tool-arguments': asciiJson(c.args) }),
    });

    test.each(CASES)(
      '$label: responses.stream(), stream validated, outputs go back',
      { tags: ['X1', 'E3'] },
      async (c) => {
        const input: ResponseInputItem[] = [{ role: 'user', content: 'Use the tool.' }];
        const stream = client.responses.stream(
          { model: 'sim-chat', input, tools: c.tools, store: false },
          { headers: headers(c) },
        );
        const events: ResponseStreamEvent[] = [];
        stream.on('event', (e) => events.push(e));
        const first = await stream.finalResponse();
        expect(validateStream(events as unknown as StreamEventLike[], { dialect })).toEqual([]);
        if (dialect === 'open-responses') expectSpecValid(events);
        expect(first.status).toBe('completed');
        expect(first.output).toHaveLength(1);
        const call = first.output[0];
        c.check(call);
        expectCompleteToolEcho(first);
        if (call.type === 'custom_tool_call') {
          const deltas = events.flatMap((e) => (e.type === 'response.custom_tool_call_input.delta' ? [e.delta] : []));
          expect(deltas.length).toBeGreaterThan(0);
          expect(deltas.join('')).toBe(call.input);
          const done = events.find((e) => e.type === 'response.custom_tool_call_input.done');
          expect(done).toMatchObject({ input: call.input, item_id: call.id });
        }
        // The transcript goes back with the output: the model answers in text.
        const second = await client.responses.create(
          { model: 'sim-chat', input: [...input, asInput(call), c.answer(call)], tools: c.tools, store: false },
          { headers: headers(c) },
        );
        expect(second.status).toBe('completed');
        expect(second.output_text).toContain(`${c.backendName} returned`);
        if (dialect === 'open-responses') expect(validateResponseAgainstSpec({ ...second, tools: [] })).toEqual([]);
      },
    );

    test.each(CASES)('$label: non-streaming create', { tags: ['X1'] }, async (c) => {
      const response = await client.responses.create(
        { model: 'sim-chat', input: 'Use the tool.', tools: c.tools },
        { headers: headers(c) },
      );
      expect(response.output).toHaveLength(1);
      c.check(response.output[0]);
      expectCompleteToolEcho(response);
    });
  },
);

describe('client-executed tools with the Agents SDK', { tags: ['X1'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'warn' });
  });
  afterAll(async () => {
    expect(h.logs.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    await h.close();
  });

  function runner(headers: Record<string, string>): Runner {
    setTracingDisabled(true);
    const provider = new OpenAIProvider({
      openAIClient: new OpenAI({ baseURL: h.baseURL, apiKey: 'test-key', maxRetries: 0, defaultHeaders: headers }),
      useResponses: true,
    });
    return new Runner({ modelProvider: provider, tracingDisabled: true });
  }

  test.each([false, true])('shellTool: the agent runs the shell_call and finishes (stream: %s)', async (stream) => {
    const actions: ShellAction[] = [];
    const shell: Shell = {
      run: async (action) => {
        actions.push(action);
        return {
          output: action.commands.map((c) => ({
            stdout: `ran ${c}`,
            stderr: '',
            outcome: { type: 'exit', exitCode: 0 },
          })),
        };
      },
    };
    const agent = new Agent({ name: 'Shell', model: 'sim-chat', tools: [shellTool({ shell })] });
    const run = runner({
      'x-simulator-tool': 'shell',
      'x-simulator-tool-arguments': JSON.stringify({ commands: ['echo agents'] }),
    });
    let finalOutput: unknown;
    if (stream) {
      const result = await run.run(agent, 'Run it.', { stream: true });
      for await (const _event of result) void _event;
      await result.completed;
      finalOutput = result.finalOutput;
    } else {
      finalOutput = (await run.run(agent, 'Run it.')).finalOutput;
    }
    expect(actions.map((a) => a.commands)).toEqual([['echo agents']]);
    expect(finalOutput).toContain('ran echo agents');
  });

  test('applyPatchTool: the agent applies the apply_patch_call and finishes', async () => {
    const created: string[] = [];
    const editor: Editor = {
      createFile: async (op) => {
        created.push(`${op.path}:${op.diff}`);
        return { status: 'completed', output: `created ${op.path}` };
      },
      updateFile: async () => ({ status: 'failed' }),
      deleteFile: async () => ({ status: 'failed' }),
    };
    const agent = new Agent({ name: 'Editor', model: 'sim-chat', tools: [applyPatchTool({ editor })] });
    const run = runner({
      'x-simulator-tool': 'apply_patch',
      'x-simulator-tool-arguments': JSON.stringify({ type: 'create_file', path: 'a.txt', diff: '+a\n' }),
    });
    const result = await run.run(agent, 'Create a.txt.');
    expect(created).toEqual(['a.txt:+a\n']);
    expect(result.finalOutput).toContain('created a.txt');
  });
});
