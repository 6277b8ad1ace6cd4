/**
 * Real SDK request bodies are accepted in strict mode. Each SDK runs a two-turn tool-calling
 * conversation against a small recording server on 127.0.0.1 (turn 1 answers with reasoning and a
 * function call, turn 2 with a message), so the second body carries the history items each SDK
 * replays: assistant messages, reasoning, function_call and function_call_output.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import OpenAI from 'openai';
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool as agentTool } from '@openai/agents';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, stepCountIs, tool as aiTool } from 'ai';
import { validateCreateRequest } from '../../src-server/shared/protocol/validate-request.js';
import { assertSupported } from '../../src-server/shared/protocol/capabilities.js';

const bodies: unknown[] = [];
let server: Server;
let baseURL = '';

function responseJson(output: unknown[]): Record<string, unknown> {
  return {
    id: `resp_${bodies.length}`,
    object: 'response',
    created_at: 1700000000,
    status: 'completed',
    model: 'm',
    output,
    error: null,
    incomplete_details: null,
    instructions: null,
    metadata: {},
    parallel_tool_calls: true,
    temperature: 1,
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    output_text: '',
    usage: {
      input_tokens: 3,
      output_tokens: 2,
      total_tokens: 5,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

const TURN_1 = [
  { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Need the weather.' }] },
  {
    type: 'function_call',
    id: 'fc_1',
    call_id: 'call_1',
    name: 'get_weather',
    arguments: '{"city":"Paris"}',
    status: 'completed',
  },
];
const TURN_2 = [
  {
    type: 'message',
    id: 'msg_1',
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text: 'Sunny.', annotations: [] }],
  },
];

beforeAll(async () => {
  setTracingDisabled(true);
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as { input?: unknown[] };
      bodies.push(body);
      const answered =
        Array.isArray(body.input) && body.input.some((i) => (i as { type?: string }).type === 'function_call_output');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(responseJson(answered ? TURN_2 : TURN_1)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function expectAccepted(captured: unknown[]): void {
  expect(captured.length).toBeGreaterThanOrEqual(2);
  for (const body of captured) {
    const { request, ignoredFields } = validateCreateRequest(body, { compat: 'strict' });
    expect(ignoredFields).toEqual([]);
    expect(request.model).toBe('m');
    expect(() => assertSupported(request)).not.toThrow();
  }
  const second = captured[1] as { input: Array<{ type?: string }> };
  expect(second.input.map((i) => i.type)).toContain('function_call_output');
}

describe('L3 strict mode accepts what real SDKs send', { tags: ['L3'] }, () => {
  test('openai-node responses.create with the fields its types allow', async () => {
    const client = new OpenAI({ baseURL, apiKey: 'sk-test', maxRetries: 0 });
    const start = bodies.length;
    await client.responses.create({
      model: 'm',
      instructions: 'Be brief.',
      input: [
        { role: 'developer', content: 'Use tools.' },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Weather?' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' },
          ],
        },
        { type: 'function_call', call_id: 'call_0', name: 'get_weather', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_0', output: [{ type: 'input_text', text: 'rain' }] },
      ],
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Weather',
          parameters: { type: 'object', properties: {} },
          strict: false,
        },
      ],
      tool_choice: { type: 'function', name: 'get_weather' },
      parallel_tool_calls: true,
      text: {
        format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true },
        verbosity: 'low',
      },
      reasoning: { effort: 'low', summary: 'auto' },
      temperature: 0.2,
      top_p: 0.9,
      max_output_tokens: 64,
      top_logprobs: 2,
      include: ['message.output_text.logprobs', 'reasoning.encrypted_content'],
      metadata: { run: '1' },
      user: 'u1',
      safety_identifier: 'hash',
      prompt_cache_key: 'k',
      prompt_cache_retention: '24h',
      service_tier: 'auto',
      store: false,
      truncation: 'disabled',
      stream: false,
    });
    const body = bodies[start];
    expect(() => validateCreateRequest(body, { compat: 'strict' })).not.toThrow();
  });

  test('the OpenAI Agents SDK (a tool call and its output)', async () => {
    const start = bodies.length;
    const getWeather = agentTool({
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
        additionalProperties: false,
      },
      strict: true,
      execute: async () => 'sunny',
    });
    const agent = new Agent({
      name: 'a',
      instructions: 'Answer.',
      model: 'm',
      tools: [getWeather],
      modelSettings: { temperature: 0.1, parallelToolCalls: false },
    });
    const provider = new OpenAIProvider({
      openAIClient: new OpenAI({ baseURL, apiKey: 'sk-test', maxRetries: 0 }),
      useResponses: true,
    });
    const result = await new Runner({ modelProvider: provider, tracingDisabled: true }).run(agent, 'Weather in Paris?');
    expect(result.finalOutput).toBe('Sunny.');
    expectAccepted(bodies.slice(start));
  });

  test('the Vercel AI SDK (a tool call and its output)', async () => {
    const start = bodies.length;
    const openai = createOpenAI({ baseURL, apiKey: 'sk-test' });
    const result = await generateText({
      model: openai.responses('m'),
      prompt: 'Weather in Paris?',
      tools: {
        get_weather: aiTool({
          description: 'Weather for a city',
          inputSchema: jsonSchema<{ city: string }>({
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
          }),
          execute: async () => 'sunny',
        }),
      },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
      providerOptions: { openai: { store: false, parallelToolCalls: false, user: 'u1' } },
    });
    expect(result.text).toBe('Sunny.');
    expectAccepted(bodies.slice(start));
  });
});
