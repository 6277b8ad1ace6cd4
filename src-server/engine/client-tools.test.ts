import { describe, expect, test } from 'vitest';
import { chatMessages } from '../backends/chat-completions/request.js';
import type { ModelPart } from '../backends/contract.js';
import { validateStream, type StreamEventLike } from '../shared/protocol/stream-validator.js';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import { ToolCatalog, customInput, partialInputString, patchOperation, shellAction } from './client-tools.js';
import { ResponseBuilder } from './response-builder.js';
import { initialResponse } from './response-object.js';
import { toModelRequest } from './translate-request.js';

describe('client tool catalog', { tags: ['X1'] }, () => {
  const tools = [
    { type: 'function', name: 'shell' },
    { type: 'shell' },
    {
      type: 'namespace',
      name: 'ns',
      description: 'd',
      tools: [
        { type: 'function', name: 'f' },
        { type: 'custom', name: 'c' },
      ],
    },
    {
      type: 'custom',
      name: 'patch',
      description: 'Edit.',
      format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' },
    },
  ];
  const catalog = new ToolCatalog(tools);

  test('names the backend sees are unique and namespaced; each resolves to the client tool', () => {
    expect(catalog.offered.map((o) => [o.modelName, o.kind, o.namespace ?? null, o.name])).toEqual([
      ['shell', 'function', null, 'shell'],
      ['shell_2', 'shell', null, 'shell'],
      ['ns__f', 'function', 'ns', 'f'],
      ['ns__c', 'custom', 'ns', 'c'],
      ['patch', 'custom', null, 'patch'],
    ]);
    expect(catalog.builtInName('shell')).toBe('shell_2');
    expect(catalog.modelNameOf('function', 'f', 'ns')).toBe('ns__f');
    expect(catalog.modelNameOf('custom', 'c', 'ns')).toBe('ns__c');
    expect(catalog.modelNameOf('function', 'gone', 'old')).toBe('old__gone');
  });

  test('a custom tool is a one-string function whose description carries the grammar', () => {
    const patch = catalog.resolve('patch')?.tool;
    expect(patch?.parameters).toEqual({
      type: 'object',
      properties: { input: { type: 'string', description: 'The free-form input of the tool.' } },
      required: ['input'],
      additionalProperties: false,
    });
    expect(patch?.description).toBe('Edit.\n\nThe `input` must match this lark grammar:\nstart: "x"');
  });

  test('history items replay as tool calls of the offered names; outputs as tool messages', () => {
    const request = {
      model: 'm',
      tools,
      input: [
        { type: 'custom_tool_call', call_id: 'c1', name: 'c', namespace: 'ns', input: 'raw "text"' },
        { type: 'custom_tool_call_output', call_id: 'c1', output: 'ok' },
        { type: 'shell_call', call_id: 'c2', action: { commands: ['ls'], timeout_ms: 5 } },
        {
          type: 'shell_call_output',
          call_id: 'c2',
          output: [{ stdout: 'a', stderr: '', outcome: { type: 'exit', exit_code: 0 } }],
        },
        { type: 'function_call', call_id: 'c3', name: 'f', namespace: 'ns', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c3', output: 'done' },
      ],
    } as unknown as CreateResponseRequest;
    const messages = chatMessages(toModelRequest(request));
    expect(messages).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'ns__c', arguments: '{"input":"raw \\"text\\""}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'ok' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'c2',
            type: 'function',
            function: { name: 'shell_2', arguments: '{"commands":["ls"],"timeout_ms":5}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'c2', content: 'exit code 0\nstdout:\na\nstderr:\n' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c3', type: 'function', function: { name: 'ns__f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c3', content: 'done' },
    ]);
  });
});

describe('decoding a custom tool input while it streams', { tags: ['X1'] }, () => {
  test('every prefix decodes to a prefix of the final input, escapes and surrogates included', () => {
    const input = 'line "one"\n\ttab \\ back \u00e9 \ud83d\ude00 end';
    const args = JSON.stringify({ input }).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    let previous = '';
    for (let i = 0; i <= args.length; i++) {
      const decoded = partialInputString(args.slice(0, i));
      expect(input.startsWith(decoded)).toBe(true);
      expect(decoded.startsWith(previous)).toBe(true);
      previous = decoded;
    }
    expect(previous).toBe(input);
    expect(customInput(args)).toBe(input);
  });

  test('text that is not the {"input"} object is the input itself', () => {
    expect(customInput('*** Begin Patch')).toBe('*** Begin Patch');
    expect(customInput('"quoted"')).toBe('quoted');
  });

  test('shell and apply_patch arguments that do not fit are flagged', () => {
    expect(shellAction('{"commands":"ls"}')).toEqual({
      action: { commands: ['ls'], timeout_ms: null, max_output_length: null },
      valid: true,
    });
    expect(shellAction('not json').valid).toBe(false);
    expect(patchOperation('{"type":"delete_file","path":"a","diff":"x"}')).toEqual({
      operation: { type: 'delete_file', path: 'a' },
      valid: true,
    });
    expect(patchOperation('{"type":"rename","path":"a"}').valid).toBe(false);
  });

  test('the builder streams custom_tool_call_input deltas from argument fragments split anywhere', () => {
    const catalog = new ToolCatalog([{ type: 'custom', name: 'patch' }, { type: 'apply_patch' }]);
    const events: { type: string; [field: string]: unknown }[] = [];
    const request = { model: 'm', tools: catalog.offered.map(() => ({})) } as unknown as CreateResponseRequest;
    const builder = new ResponseBuilder({
      response: initialResponse({ ...request, tools: [] }, 'resp_1', 0),
      emit: (e) => events.push(e as unknown as (typeof events)[number]),
      logprobs: false,
      catalog,
    });
    const args = JSON.stringify({ input: 'a\\b "c"\nd' });
    const parts: ModelPart[] = [
      { type: 'tool-call-start', index: 0, callId: 'call_1', name: 'patch' },
      ...[...args].map((ch): ModelPart => ({ type: 'tool-call-delta', index: 0, argumentsDelta: ch })),
      { type: 'tool-call-start', index: 1, callId: 'call_2', name: 'apply_patch' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"type":"create_file","path":"x","diff":"+y"}' },
      { type: 'finish', reason: 'tool_calls' },
    ];
    for (const p of parts) builder.push(p);
    builder.end(() => {
      throw new Error('unreachable');
    });
    const sequenced = events.map((e, i) => ({ ...e, sequence_number: i })) as unknown as StreamEventLike[];
    expect(validateStream(sequenced)).toEqual([]);
    const deltas = events.filter((e) => e.type === 'response.custom_tool_call_input.delta').map((e) => e.delta);
    expect(deltas.join('')).toBe('a\\b "c"\nd');
    const final = builder.snapshot();
    expect(final.output.map((o) => o.type)).toEqual(['custom_tool_call', 'apply_patch_call']);
    expect(final.output[1]).toMatchObject({
      operation: { type: 'create_file', path: 'x', diff: '+y' },
      call_id: 'call_2',
    });
  });
});
