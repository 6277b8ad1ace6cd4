import { describe, expect, test } from 'vitest';
import { isGatewayError, type GatewayError } from './errors.js';
import { CREATE_RESPONSE_REQUEST_SCHEMA } from './request-schema.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { AJV_OPTIONS, validateCreateRequest, type CompatMode } from './validate-request.js';

function rejection(body: unknown, compat: CompatMode = 'strict'): GatewayError {
  try {
    validateCreateRequest(body, { compat });
  } catch (e) {
    if (isGatewayError(e)) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

function shape(e: GatewayError): { status: number; type: string; code: string; param: string | null } {
  return { status: e.status, type: e.type, code: e.code, param: e.param };
}

const invalid = (code: string, param: string | null) => ({ status: 400, type: 'invalid_request_error', code, param });

describe('M2 request validation errors', { tags: ['M2'] }, () => {
  test.each([
    ['an array', []],
    ['a string', 'hi'],
    ['null', null],
    ['a number', 3],
  ])('a body that is %s → invalid_type with no param', (_name, body) => {
    expect(shape(rejection(body))).toEqual(invalid('invalid_type', null));
  });

  test.each<[string, Record<string, unknown>, ReturnType<typeof invalid>]>([
    ['missing model', { input: 'hi' }, invalid('missing_required_parameter', 'model')],
    ['empty model', { model: '' }, invalid('invalid_value', 'model')],
    ['temperature as a string', { model: 'm', temperature: 'hot' }, invalid('invalid_type', 'temperature')],
    ['temperature out of range', { model: 'm', temperature: 2.5 }, invalid('invalid_value', 'temperature')],
    [
      'max_output_tokens as a float',
      { model: 'm', max_output_tokens: 1.5 },
      invalid('invalid_type', 'max_output_tokens'),
    ],
    ['input as a number', { model: 'm', input: 7 }, invalid('invalid_type', 'input')],
    ['an item that is not an object', { model: 'm', input: ['hi'] }, invalid('invalid_type', 'input[0]')],
    [
      'a bad image_url deep in a message',
      {
        model: 'm',
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'a' },
              { type: 'input_image', image_url: 1 },
            ],
          },
        ],
      },
      invalid('invalid_type', 'input[0].content[1].image_url'),
    ],
    ['a bad role', { model: 'm', input: [{ role: 'robot', content: 'x' }] }, invalid('invalid_value', 'input[0].role')],
    ['an unknown item type', { model: 'm', input: [{ type: 'telepathy' }] }, invalid('invalid_value', 'input[0].type')],
    [
      'a part without type',
      { model: 'm', input: [{ role: 'user', content: [{ text: 'a' }] }] },
      invalid('missing_required_parameter', 'input[0].content[0].type'),
    ],
    [
      'a function_call_output without call_id',
      { model: 'm', input: [{ type: 'function_call_output', output: 'x' }] },
      invalid('missing_required_parameter', 'input[0].call_id'),
    ],
    [
      'a function_call_output with a numeric output',
      { model: 'm', input: [{ type: 'function_call_output', call_id: 'c', output: 5 }] },
      invalid('invalid_type', 'input[0].output'),
    ],
    [
      'a tool name of the wrong type',
      { model: 'm', tools: [{ type: 'function', name: 5 }] },
      invalid('invalid_type', 'tools[0].name'),
    ],
    [
      'a tool name with spaces',
      { model: 'm', tools: [{ type: 'function', name: 'get weather' }] },
      invalid('invalid_value', 'tools[0].name'),
    ],
    ['an unknown tool type', { model: 'm', tools: [{ type: 'teleport' }] }, invalid('invalid_value', 'tools[0].type')],
    ['a bad tool_choice string', { model: 'm', tool_choice: 'always' }, invalid('invalid_value', 'tool_choice')],
    [
      'tool_choice function without name',
      { model: 'm', tool_choice: { type: 'function' } },
      invalid('missing_required_parameter', 'tool_choice.name'),
    ],
    [
      'a bad reasoning effort',
      { model: 'm', reasoning: { effort: 'extreme' } },
      invalid('invalid_value', 'reasoning.effort'),
    ],
    ['a bad service_tier', { model: 'm', service_tier: 'gold' }, invalid('invalid_value', 'service_tier')],
    ['an unknown include value', { model: 'm', include: ['everything'] }, invalid('invalid_value', 'include[0]')],
    [
      'json_schema format without schema',
      { model: 'm', text: { format: { type: 'json_schema', name: 'x' } } },
      invalid('missing_required_parameter', 'text.format.schema'),
    ],
    [
      '17 metadata pairs',
      { model: 'm', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
      invalid('invalid_value', 'metadata'),
    ],
    [
      'a 65-character metadata key',
      { model: 'm', metadata: { ['k'.repeat(65)]: 'v' } },
      invalid('invalid_value', `metadata.${'k'.repeat(65)}`),
    ],
    [
      'a 513-character metadata value',
      { model: 'm', metadata: { k: 'v'.repeat(513) } },
      invalid('invalid_value', 'metadata.k'),
    ],
    ['a non-string metadata value', { model: 'm', metadata: { k: 1 } }, invalid('invalid_type', 'metadata.k')],
  ])('%s', (_name, body, expected) => {
    expect(shape(rejection(body))).toEqual(expected);
  });

  test('messages name the param and the expected type', () => {
    expect(rejection({ model: 'm', temperature: 'hot' }).message).toBe(
      "Invalid type for 'temperature': expected a number or null.",
    );
  });

  test('metadata at the limits is accepted', () => {
    const metadata = Object.fromEntries(
      Array.from({ length: 16 }, (_, i) => [`${i}`.padEnd(64, 'k'), 'v'.repeat(512)]),
    );
    expect(() => validateCreateRequest({ model: 'm', metadata }, { compat: 'strict' })).not.toThrow();
  });
});

describe('L3 compatibility mode', { tags: ['L3'] }, () => {
  const body = {
    model: 'm',
    frobnicate: true,
    input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi', sparkle: 1 }] }],
    reasoning: { effort: 'low', depth: 3 },
  };

  test('strict rejects the first unknown field with unknown_parameter naming its full path', () => {
    const e = rejection({
      model: 'm',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi', sparkle: 1 }] }],
    });
    expect(shape(e)).toEqual(invalid('unknown_parameter', 'input[0].content[0].sparkle'));
    expect(shape(rejection({ model: 'm', frobnicate: true }))).toEqual(invalid('unknown_parameter', 'frobnicate'));
  });

  test('lenient removes every unknown field and lists their paths', () => {
    const { request, ignoredFields } = validateCreateRequest(body, { compat: 'lenient' });
    expect(ignoredFields.sort()).toEqual(['frobnicate', 'input[0].content[0].sparkle', 'reasoning.depth']);
    expect(request).toEqual({
      model: 'm',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi' }] }],
      reasoning: { effort: 'low' },
    });
    // The caller's object is left as it was.
    expect(body.frobnicate).toBe(true);
  });

  test('lenient still rejects real errors, after ignoring unknown fields', () => {
    expect(shape(rejection({ ...body, temperature: 'hot' }, 'lenient'))).toEqual(
      invalid('invalid_type', 'temperature'),
    );
  });

  test('a valid body passes unchanged in both modes', () => {
    const valid = { model: 'm', input: 'hi', stream: true };
    for (const compat of ['strict', 'lenient'] as const) {
      const out = validateCreateRequest(valid, { compat });
      expect(out).toEqual({ request: valid, ignoredFields: [] });
    }
  });
});

describe('request shapes', () => {
  const accept = (body: unknown) => expect(() => validateCreateRequest(body, { compat: 'strict' })).not.toThrow();

  test('input items of every modelled kind', () => {
    accept({
      model: 'm',
      input: [
        { role: 'system', content: 'sys' },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_file', file_data: 'AAAA', filename: 'a.pdf' },
            { type: 'input_image', file_id: 'file_1', detail: 'high' },
          ],
        },
        {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [
            { type: 'output_text', text: 'x', annotations: [] },
            { type: 'refusal', refusal: 'no' },
          ],
        },
        {
          type: 'reasoning',
          id: 'rs_1',
          summary: [{ type: 'summary_text', text: 's' }],
          content: [{ type: 'reasoning_text', text: 't' }],
          encrypted_content: 'tok',
        },
        { type: 'function_call', id: 'fc_1', call_id: 'c1', name: 'f', arguments: '{}', status: 'completed' },
        { type: 'function_call_output', call_id: 'c1', output: 'done' },
        { type: 'item_reference', id: 'msg_0' },
        { id: 'msg_00' },
        { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'q' } },
      ],
    });
  });

  test('tool_choice forms and built-in tools are recognised by the schema', () => {
    for (const tool_choice of [
      'none',
      'auto',
      'required',
      { type: 'function', name: 'f' },
      { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'f' }] },
      { type: 'file_search' },
    ]) {
      accept({
        model: 'm',
        tool_choice,
        tools: [
          { type: 'web_search', search_context_size: 'low' },
          { type: 'mcp', server_label: 's' },
        ],
      });
    }
  });

  test('the schema is valid JSON Schema 2020-12 (the gateway skips this check at start-up)', () => {
    const ajv = new Ajv2020({ ...AJV_OPTIONS });
    expect(ajv.validateSchema(CREATE_RESPONSE_REQUEST_SCHEMA)).toBe(true);
  });

  test('the schema is plain JSON with descriptions for the editor', () => {
    expect(JSON.parse(JSON.stringify(CREATE_RESPONSE_REQUEST_SCHEMA))).toEqual(CREATE_RESPONSE_REQUEST_SCHEMA);
    const properties = CREATE_RESPONSE_REQUEST_SCHEMA.properties as Record<string, { description?: string }>;
    for (const [name, prop] of Object.entries(properties)) expect(prop.description, name).toBeTruthy();
  });
});
