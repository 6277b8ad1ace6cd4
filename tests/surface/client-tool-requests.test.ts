/**
 * The request side of client tools and hosted tools: every top-level field Codex and openai-node
 * send is accepted in strict mode, `client_metadata` is logged and never forwarded, hosted tools
 * are omitted visibly (header, warn log with the request id, /metrics, /v1/capabilities) or
 * refused under `--responses-hosted-tools reject`, a tool_choice forcing an omitted tool is a 400,
 * and malformed tool definitions get a 400 naming the exact path.
 */
import type { ResponseCreateParamsStreaming } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ModelRequest } from '../../src-server/backends/contract.js';
import { validateCreateRequest } from '../../src-server/shared/protocol/validate-request.js';
import { postJson, readSse, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { ScriptedBackend } from '../support/scripted-backend.js';

/** Answers every request with a short text and keeps what it was sent. */
const recordingBackend = (): ScriptedBackend =>
  ScriptedBackend.playing([
    { type: 'text-delta', text: 'ok' },
    { type: 'finish', reason: 'stop' },
    { type: 'usage', usage: { inputTokens: 1, outputTokens: 1 } },
  ]);

/** The top-level fields of Codex 0.171's requests (captured), values as it sends them. */
const CODEX_BODY = {
  model: 'm',
  stream: true,
  input: [
    { type: 'message', id: 'msg_1', role: 'developer', content: [{ type: 'input_text', text: 'You are Codex.' }] },
    { type: 'message', id: 'msg_2', role: 'user', content: [{ type: 'input_text', text: 'Say hello.' }] },
  ],
  tools: [
    {
      type: 'function',
      name: 'exec_command',
      description: 'Runs a command.',
      strict: false,
      parameters: {
        type: 'object',
        properties: { cmd: { type: 'string' } },
        required: ['cmd'],
        additionalProperties: false,
      },
    },
    {
      type: 'namespace',
      name: 'multi_agent_v1',
      description: 'Tools for sub-agents.',
      tools: [
        {
          type: 'function',
          name: 'close_agent',
          description: 'Close an agent.',
          strict: false,
          parameters: { type: 'object', properties: { target: { type: 'string' } }, required: ['target'] },
        },
      ],
    },
    {
      type: 'custom',
      name: 'apply_patch',
      description: 'Edit files.',
      format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' },
    },
    { type: 'tool_search', execution: 'client', description: 'Tool discovery', parameters: { type: 'object' } },
    { type: 'web_search', external_web_access: false, search_content_types: ['text', 'image'] },
  ],
  tool_choice: 'auto',
  parallel_tool_calls: true,
  reasoning: { effort: 'medium' },
  store: false,
  include: ['reasoning.encrypted_content'],
  prompt_cache_key: '01a22f7b-e529-7c21-8014-3c185b363ea7',
  text: { verbosity: 'low' },
  client_metadata: {
    session_id: '01a22f7b-e529-7c21-8014-3c185b363ea7',
    thread_id: '01a22f7b-e529-7c21-8014-3c185b363ea7',
    turn_id: 'turn-secret-marker',
    'x-codex-turn-metadata': '{"request_kind":"turn"}',
  },
};

describe('request fields of Codex and openai-node', { tags: ['X1', 'L3'] }, () => {
  test('every top-level field of openai-node ResponseCreateParams is accepted in strict mode', () => {
    // `Required<…>`: a field openai-node adds fails the typecheck until it is listed here.
    const every: Required<Omit<ResponseCreateParamsStreaming, 'stream'>> & { stream: true } = {
      model: 'm',
      input: 'hi',
      instructions: 'Be brief.',
      tools: [],
      tool_choice: 'auto',
      parallel_tool_calls: true,
      max_tool_calls: 3,
      text: { verbosity: 'low' },
      reasoning: { effort: 'low', summary: 'auto' },
      temperature: 1,
      top_p: 1,
      max_output_tokens: 100,
      top_logprobs: 0,
      metadata: { a: 'b' },
      user: 'u',
      safety_identifier: 's',
      prompt_cache_key: 'k',
      prompt_cache_retention: '24h',
      prompt_cache_options: { mode: 'implicit' },
      service_tier: 'auto',
      store: true,
      stream: true,
      stream_options: { include_obfuscation: false },
      include: ['reasoning.encrypted_content'],
      previous_response_id: null,
      background: false,
      truncation: 'disabled',
      conversation: null,
      prompt: null,
      context_management: null,
      moderation: null,
      access_programs: { cyber: 'standard' },
      background_options: { completion_window: 'soonest' },
      image: { context_compression: 'auto' },
    };
    expect(validateCreateRequest(every, { compat: 'strict' }).ignoredFields).toEqual([]);
    expect(validateCreateRequest(CODEX_BODY, { compat: 'strict' }).ignoredFields).toEqual([]);
  });

  test('client_metadata must be a map of strings', () => {
    expect(() =>
      validateCreateRequest({ model: 'm', client_metadata: { turn: 3 } }, { compat: 'strict' }),
    ).toThrowError(expect.objectContaining({ status: 400, param: 'client_metadata.turn' }) as Error);
  });
});

describe(
  'hosted tools omitted by default; client_metadata logged, never forwarded',
  { tags: ['X1', 'B4', 'B2'] },
  () => {
    let h: GatewayHarness;
    const backend = recordingBackend();
    beforeAll(async () => {
      h = await startGateway({ logLevel: 'info' }, { backend });
    });
    afterAll(() => h.close());

    test("Codex's request streams; web_search and tool_search are named in the header, the log and /metrics", async () => {
      const res = await postJson(`${h.url}/v1/responses`, CODEX_BODY, { 'x-request-id': 'req_codex_1' });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-responses-omitted-tools')).toBe('tool_search, web_search');
      const stream = await readSse(res);
      const completed = stream.events.at(-1)?.data as { type: string; response: { tools: { type: string }[] } };
      expect(completed.type).toBe('response.completed');
      // The echo lists the tools in effect: the hosted ones are not among them.
      expect(completed.response.tools.map((t) => t.type)).toEqual(['function', 'namespace', 'custom']);

      const sent = backend.requests.at(-1) as ModelRequest;
      expect(sent.tools?.map((t) => t.name)).toEqual(['exec_command', 'multi_agent_v1__close_agent', 'apply_patch']);
      expect(sent.tools?.[2].parameters).toMatchObject({
        properties: { input: { type: 'string' } },
        required: ['input'],
      });
      expect(sent.tools?.[2].description).toContain('start: "x"');
      expect(JSON.stringify(sent)).not.toContain('turn-secret-marker');

      const warn = h.logs.find((l) => l.level === 'warn' && String(l.msg).startsWith('hosted tools omitted'));
      expect(warn).toMatchObject({ requestId: 'req_codex_1', tools: ['tool_search', 'web_search'] });
      const meta = h.logs.find((l) => l.msg === 'client metadata');
      expect(meta).toMatchObject({ requestId: 'req_codex_1', client_metadata: { turn_id: 'turn-secret-marker' } });

      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      expect(metrics).toContain('responses_gateway_hosted_tools_omitted_total{type="web_search"} 1');
      expect(metrics).toContain('responses_gateway_hosted_tools_omitted_total{type="tool_search"} 1');
    });

    test('a shell in an OpenAI container is a hosted tool; a local one is offered', async () => {
      const res = await postJson(`${h.url}/v1/responses`, {
        model: 'm',
        input: 'hi',
        tools: [
          { type: 'shell', environment: { type: 'container_auto' } },
          { type: 'shell', environment: { type: 'local' } },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-responses-omitted-tools')).toBe('shell:container_auto');
      expect(backend.requests.at(-1)?.tools?.map((t) => t.name)).toEqual(['shell']);
    });

    test('a tool_choice that forces an omitted tool is a 400 naming it', async () => {
      const res = await postJson(`${h.url}/v1/responses`, {
        model: 'm',
        input: 'hi',
        tools: [{ type: 'web_search_preview' }],
        tool_choice: { type: 'web_search_preview' },
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { param: string; message: string } };
      expect(body.error.param).toBe('tool_choice');
      expect(body.error.message).toContain("'web_search_preview'");
    });

    test('/v1/capabilities reports the policy, omitted hosted tools and the unenforced grammar', async () => {
      const report = (await (await fetch(`${h.url}/v1/capabilities`)).json()) as {
        tools: Record<string, { status: string; reason: string }>;
        hosted_tools: { policy: string; header: string };
        custom_tool_grammar: { enforced: boolean };
      };
      expect(report.hosted_tools).toEqual({ policy: 'omit', header: 'x-responses-omitted-tools' });
      expect(report.tools.web_search.status).toBe('omitted');
      expect(report.tools.custom.status).toBe('supported');
      expect(report.tools.custom.reason).toContain('NOT enforced');
      expect(report.custom_tool_grammar).toEqual({ enforced: false });
      for (const type of ['namespace', 'local_shell', 'shell', 'apply_patch', 'function'])
        expect(report.tools[type].status).toBe('supported');
    });
  },
);

describe('--responses-hosted-tools reject', { tags: ['X1'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ hostedTools: 'reject', logLevel: 'warn' }, { backend: recordingBackend() });
  });
  afterAll(() => h.close());

  test('a hosted tool is a 400 naming it; the report says unsupported', async () => {
    const res = await postJson(`${h.url}/v1/responses`, CODEX_BODY);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { param: string; code: string; message: string } };
    expect(body.error).toMatchObject({ param: 'tools[3].type', code: 'unsupported_parameter' });
    expect(body.error.message).toContain("'tool_search'");
    const report = (await (await fetch(`${h.url}/v1/capabilities`)).json()) as {
      tools: Record<string, { status: string }>;
      hosted_tools: { policy: string };
    };
    expect(report.hosted_tools.policy).toBe('reject');
    expect(report.tools.web_search.status).toBe('unsupported');
  });
});

describe('malformed client tool definitions', { tags: ['X1', 'L3'] }, () => {
  const fn = { type: 'function', name: 'f', parameters: { type: 'object' } };
  const cases: [string, unknown[], string][] = [
    [
      'a grammar without a definition',
      [fn, fn, fn, { type: 'custom', name: 'p', format: { type: 'grammar', syntax: 'lark' } }],
      'tools[3].format.definition',
    ],
    [
      'a grammar in an unknown syntax',
      [{ type: 'custom', name: 'p', format: { type: 'grammar', syntax: 'ebnf', definition: 'x' } }],
      'tools[0].format.syntax',
    ],
    ['an unknown custom format', [{ type: 'custom', name: 'p', format: { type: 'xml' } }], 'tools[0].format.type'],
    ['a custom tool without a name', [{ type: 'custom' }], 'tools[0].name'],
    ['a namespace without tools', [{ type: 'namespace', name: 'ns', description: 'd' }], 'tools[0].tools'],
    [
      'a namespace with an empty tool list',
      [{ type: 'namespace', name: 'ns', description: 'd', tools: [] }],
      'tools[0].tools',
    ],
    [
      'a bad name inside a namespace',
      [{ type: 'namespace', name: 'ns', tools: [fn, { type: 'function', name: 'a b' }] }],
      'tools[0].tools[1].name',
    ],
    [
      'a hosted tool inside a namespace',
      [{ type: 'namespace', name: 'ns', tools: [{ type: 'web_search' }] }],
      'tools[0].tools[0].type',
    ],
    ['an unknown shell environment', [{ type: 'shell', environment: { type: 'vm' } }], 'tools[0].environment.type'],
    ['a field local_shell does not have', [{ type: 'local_shell', command: 'ls' }], 'tools[0].command'],
    ['an unknown tool type', [{ type: 'teleport' }], 'tools[0].type'],
  ];
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'warn' }, { backend: recordingBackend() });
  });
  afterAll(() => h.close());

  test.each(cases)('%s: 400 naming %s', async (_label, tools, param) => {
    const res = await postJson(`${h.url}/v1/responses`, { model: 'm', input: 'hi', tools });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { param: string; type: string } };
    expect(body.error).toMatchObject({ param, type: 'invalid_request_error' });
  });

  test('malformed client tool items in the input name their path', async () => {
    const items: [unknown, string][] = [
      [{ type: 'custom_tool_call', call_id: 'c', name: 'p' }, 'input[0].input'],
      [{ type: 'shell_call', call_id: 'c', action: { commands: 'ls' } }, 'input[0].action.commands'],
      [
        { type: 'apply_patch_call', call_id: 'c', operation: { type: 'create_file', path: 'a' } },
        'input[0].operation.diff',
      ],
      [
        { type: 'shell_call_output', call_id: 'c', output: [{ stdout: '', stderr: '', outcome: { type: 'exit' } }] },
        'input[0].output[0].outcome.exit_code',
      ],
      [{ type: 'local_shell_call_output', output: 'x' }, 'input[0].id'],
    ];
    for (const [item, param] of items) {
      const res = await postJson(`${h.url}/v1/responses`, { model: 'm', input: [item] });
      expect(res.status, param).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe(param);
    }
  });
});
