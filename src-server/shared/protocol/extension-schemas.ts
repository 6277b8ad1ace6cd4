/**
 * JSON Schemas of the extension events (brief "(ext)"), one per type in EXTENSION_EVENT_TYPES.
 * The stream validator checks extension events against them when extensions are on; official
 * events are unaffected. docs/extensions.md documents the same fields.
 *
 * Isomorphic and eval-free (the console runs the validator): `checkExtensionEvent` interprets the
 * small JSON Schema subset used here (type, const, enum, required, properties,
 * additionalProperties, items, minimum). A test checks that ajv reads the schemas the same way.
 */
import type { ExtensionEventType } from './events.js';

export interface JsonSchema {
  type?: 'object' | 'string' | 'integer' | 'number' | 'array' | 'boolean' | 'null' | ('object' | 'string' | 'null')[];
  const?: string;
  enum?: readonly (string | null)[];
  required?: readonly string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean;
  items?: JsonSchema;
  minimum?: number;
  description?: string;
}

const int = (description: string): JsonSchema => ({ type: 'integer', minimum: 0, description });
const str = (description: string): JsonSchema => ({ type: 'string', description });

function event(type: ExtensionEventType, description: string, fields: Record<string, JsonSchema>): JsonSchema {
  return {
    type: 'object',
    description,
    required: ['type', 'sequence_number', ...Object.keys(fields)],
    properties: {
      type: { type: 'string', const: type },
      sequence_number: int('Position in the stream, shared with the official events (L6).'),
      ...fields,
    },
    additionalProperties: false,
  };
}

const ITEM_ID = str('Id of the output item the event belongs to.');
const OUTPUT_INDEX = int('Index of that item in response.output.');

const ERROR_OBJECT: JsonSchema = {
  type: 'object',
  required: ['type', 'code', 'message', 'param'],
  properties: {
    type: str("OpenAI error type, e.g. 'server_error'."),
    code: str("Error code, e.g. 'backend_timeout'."),
    message: str('Human-readable message.'),
    param: { type: ['string', 'null'], description: 'Offending parameter, or null.' },
  },
  additionalProperties: false,
};

const RATE_LIMIT_ENTRY: JsonSchema = {
  type: 'object',
  required: ['name', 'limit', 'remaining', 'reset_seconds'],
  properties: {
    name: { type: 'string', enum: ['requests', 'tokens'], description: 'Which budget.' },
    limit: int('Budget per minute.'),
    remaining: int('What is left now.'),
    reset_seconds: { type: 'number', minimum: 0, description: 'Seconds until the budget is full again.' },
  },
  additionalProperties: false,
};

export const EXTENSION_EVENT_SCHEMAS: Readonly<Record<ExtensionEventType, JsonSchema>> = {
  'response.tool_call.delta': event(
    'response.tool_call.delta',
    'C2: compact per-call delta, after each response.function_call_arguments.delta.',
    {
      item_id: ITEM_ID,
      output_index: OUTPUT_INDEX,
      call_id: str('The call id the client answers with function_call_output.'),
      name: str('Function name.'),
      delta: str('Argument fragment (same text as the official delta).'),
    },
  ),
  'response.error': event(
    'response.error',
    "C4: the error with the response snapshot, between the official 'error' and 'response.failed'.",
    {
      error: ERROR_OBJECT,
      response: {
        type: 'object',
        required: ['id', 'object', 'status'],
        description: 'The Response object as it ends (status failed).',
      },
    },
  ),
  'response.reasoning.delta': event(
    'response.reasoning.delta',
    'H2 (openai dialect): legacy alias after each response.reasoning_text.delta.',
    {
      item_id: ITEM_ID,
      output_index: OUTPUT_INDEX,
      content_index: int('Index of the reasoning_text part.'),
      delta: str('Reasoning text fragment.'),
    },
  ),
  'response.reasoning.summary.added': event(
    'response.reasoning.summary.added',
    'H3: alias after response.reasoning_summary_part.added.',
    {
      item_id: ITEM_ID,
      output_index: OUTPUT_INDEX,
      summary_index: int("Index in the item's summary array."),
      part: {
        type: 'object',
        required: ['type', 'text'],
        properties: { type: { type: 'string', const: 'summary_text' }, text: str('Empty when added.') },
        additionalProperties: false,
      },
    },
  ),
  'response.reasoning.summary.delta': event(
    'response.reasoning.summary.delta',
    'H3: alias after response.reasoning_summary_text.delta.',
    {
      item_id: ITEM_ID,
      output_index: OUTPUT_INDEX,
      summary_index: int("Index in the item's summary array."),
      delta: str('Summary text fragment.'),
    },
  ),
  'response.additional_context': event(
    'response.additional_context',
    'H4: the sealed reasoning context, as soon as a reasoning item is done.',
    {
      item_id: ITEM_ID,
      output_index: OUTPUT_INDEX,
      encrypted_content: str(
        "Same token as the item's encrypted_content; send the item back as input to restore the reasoning.",
      ),
    },
  ),
  'response.rate_limits.updated': event(
    'response.rate_limits.updated',
    'H5: budgets of the caller, at the start and once usage is known (before the terminal event).',
    {
      rate_limits: { type: 'array', items: RATE_LIMIT_ENTRY, description: 'One entry per limited budget.' },
    },
  ),
  'response.ping': event('response.ping', 'L4: keep-alive after --responses-ping-interval-seconds of silence.', {}),
};

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(expected: string, actual: string): boolean {
  return expected === actual || (expected === 'number' && actual === 'integer');
}

/** First violation of `schema` by `value` as "path: problem", or null when it conforms. */
export function checkSchema(schema: JsonSchema, value: unknown, path = ''): string | null {
  const at = path === '' ? '(event)' : path;
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!allowed.some((t) => typeMatches(t, actual))) return `${at}: expected ${allowed.join(' or ')}, got ${actual}`;
  }
  if (schema.const !== undefined && value !== schema.const) return `${at}: must be '${schema.const}'`;
  if (schema.enum !== undefined && !schema.enum.includes(value as string | null))
    return `${at}: must be one of ${schema.enum.join(', ')}`;
  if (schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum)
    return `${at}: must be >= ${schema.minimum}`;
  if (actual === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in record)) return `${at}: missing '${key}'`;
    for (const [key, v] of Object.entries(record)) {
      const sub = schema.properties?.[key];
      if (sub === undefined) {
        if (schema.additionalProperties === false) return `${at}: unexpected field '${key}'`;
        continue;
      }
      const problem = checkSchema(sub, v, path === '' ? key : `${path}.${key}`);
      if (problem) return problem;
    }
  }
  if (actual === 'array' && schema.items) {
    const list = value as unknown[];
    for (let i = 0; i < list.length; i++) {
      const problem = checkSchema(schema.items, list[i], `${path}[${i}]`);
      if (problem) return problem;
    }
  }
  return null;
}

/** Checks an extension event against its schema; null when valid (or when the type has no schema). */
export function checkExtensionEvent(event: { type: string }): string | null {
  const schema = (EXTENSION_EVENT_SCHEMAS as Record<string, JsonSchema | undefined>)[event.type];
  return schema ? checkSchema(schema, event) : null;
}
