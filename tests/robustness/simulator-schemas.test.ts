/**
 * Client-chosen JSON Schemas against the built-in simulator, which runs inside the gateway's (and
 * the desktop app's) process: a schema it will not satisfy within its budget is a 400 the client
 * sees, before any stream starts; nothing freezes the event loop or exhausts memory. The bound is
 * on output (values, characters, depth), so no timing is asserted here.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Prng } from '../../src-server/backends/simulator/prng.js';
import {
  SCHEMA_VALUE_BUDGET,
  SchemaValueError,
  valueForSchema,
} from '../../src-server/backends/simulator/schema-value.js';
import { postJson, readSse, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { deepJson, expectError } from './helpers.js';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGateway({ logLevel: 'warn' });
});
afterAll(async () => {
  await h.close();
});

const toolWith = (parameters: unknown) => ({
  model: 'sim-chat',
  input: 'Use the tool',
  tool_choice: 'required',
  tools: [{ type: 'function', name: 'probe', parameters }],
});
const formatWith = (schema: unknown) => ({
  model: 'sim-chat',
  input: 'Answer in JSON',
  text: { format: { type: 'json_schema', name: 'answer', schema } },
});

/** A linked list that may end (anyOf null) and a tree whose children array may be empty. */
const LIST = {
  $defs: {
    node: {
      type: 'object',
      properties: { value: { type: 'integer' }, next: { anyOf: [{ $ref: '#/$defs/node' }, { type: 'null' }] } },
      required: ['value', 'next'],
      additionalProperties: false,
    },
  },
  type: 'object',
  properties: { head: { $ref: '#/$defs/node' } },
  required: ['head'],
  additionalProperties: false,
};
const TREE = {
  $defs: {
    tree: {
      type: 'object',
      properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/tree' } } },
      required: ['name', 'children'],
    },
  },
  $ref: '#/$defs/tree',
};
/** Recursive with no way to stop: every node requires another. */
const ENDLESS = {
  $defs: { n: { type: 'object', properties: { next: { $ref: '#/$defs/n' } }, required: ['next'] } },
  $ref: '#/$defs/n',
};
/** Finite, but 2^30 leaves: level i requires two children of level i + 1 (no recursion at all). */
const EXPLOSIVE = {
  $defs: Object.fromEntries(
    Array.from({ length: 31 }, (_, i) => [
      `l${i}`,
      i === 30
        ? { type: 'integer' }
        : {
            type: 'object',
            properties: { a: { $ref: `#/$defs/l${i + 1}` }, b: { $ref: `#/$defs/l${i + 1}` } },
            required: ['a', 'b'],
          },
    ]),
  ),
  $ref: '#/$defs/l0',
};

describe('X7 the simulator refuses schemas beyond its budget with a clear 400', { tags: ['X7', 'M2', 'B2'] }, () => {
  test.each([
    ['tool parameters {type: array, minItems: 1e9}', toolWith({ type: 'array', minItems: 1e9 }), 'minItems 1000000000'],
    [
      'tool parameters with a string of minLength 1e9',
      toolWith({ type: 'object', properties: { s: { type: 'string', minLength: 1e9 } }, required: ['s'] }),
      'minLength 1000000000',
    ],
    ['text.format with minLength 1e8', formatWith({ type: 'string', minLength: 1e8 }), 'minLength 100000000'],
    ['a recursive $ref that never ends', toolWith(ENDLESS), 'deeper than'],
    ['a finite schema of 2^30 values', toolWith(EXPLOSIVE), `more than ${SCHEMA_VALUE_BUDGET.maxValues}`],
    [
      'arrays of arrays whose product exceeds the budget',
      formatWith({
        type: 'array',
        minItems: 100,
        items: { type: 'array', minItems: 100, items: { type: 'array', minItems: 100, items: { type: 'integer' } } },
      }),
      'budget',
    ],
  ])('%s', async (_name, body, detail) => {
    for (const stream of [false, true]) {
      // A streaming request gets the status too: the schema is refused before the stream starts.
      const res = await postJson(`${h.url}/v1/responses`, { ...body, stream });
      const error = await expectError(res, 400, { type: 'invalid_request_error' });
      expect(error.message).toContain('The simulator will not generate a value for');
      expect(error.message).toContain(detail);
    }
  });

  test('a deeply nested schema is refused by the body depth limit before anything walks it', async () => {
    const deep = `{"model":"sim-chat","input":"x","tools":[{"type":"function","name":"d","parameters":${deepJson(5_000)}}]}`;
    await expectError(await postJson(`${h.url}/v1/responses`, deep), 400, { code: 'nesting_too_deep' });
    const format = `{"model":"sim-chat","input":"x","text":{"format":{"type":"json_schema","name":"d","schema":${deepJson(5_000)}}}}`;
    await expectError(await postJson(`${h.url}/v1/responses`, format), 400, { code: 'nesting_too_deep' });
  });

  test.each([
    ['a linked list ending in null', LIST],
    ['a tree whose children may be empty', TREE],
  ])('recursive $ref that can end (%s): valid arguments and valid structured output', async (_name, schema) => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(schema);
    const tool = (await (await postJson(`${h.url}/v1/responses`, toolWith(schema))).json()) as {
      output: { type: string; arguments?: string }[];
    };
    const call = tool.output.find((o) => o.type === 'function_call');
    const args = JSON.parse(call?.arguments ?? 'null') as unknown;
    expect(validate(args), JSON.stringify(validate.errors)).toBe(true);
    const s = await readSse(await postJson(`${h.url}/v1/responses`, { ...formatWith(schema), stream: true }));
    const done = s.events.find((e) => (e.data as { type: string }).type === 'response.output_text.done');
    const text = JSON.parse((done?.data as { text: string }).text) as unknown;
    expect(validate(text), JSON.stringify(validate.errors)).toBe(true);
  });

  test('the gateway keeps serving ordinary requests after every refusal', async () => {
    const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hello' });
    expect(res.status).toBe(200);
    expect(h.logs.filter((l) => l.level === 'error')).toEqual([]);
  });
});

/** A random schema from a small grammar that likes large bounds and self-references. */
function randomSchema(rng: Prng, depth: number): Record<string, unknown> {
  const big = (): number => rng.pick([0, 1, 3, 50, 1_000, 100_000, 1e9, 1e300, -5]);
  const kind =
    depth > 4
      ? rng.pick(['string', 'integer', 'ref'])
      : rng.pick(['object', 'array', 'string', 'anyOf', 'allOf', 'ref', 'integer']);
  switch (kind) {
    case 'object': {
      const n = rng.int(0, 4);
      const properties = Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`p${i}`, randomSchema(rng, depth + 1)]),
      );
      return { type: 'object', properties, required: Object.keys(properties).filter(() => rng.next() < 0.7) };
    }
    case 'array':
      return {
        type: 'array',
        items: randomSchema(rng, depth + 1),
        minItems: big(),
        ...(rng.next() < 0.3 ? { maxItems: big() } : {}),
      };
    case 'string':
      return { type: 'string', minLength: big(), ...(rng.next() < 0.3 ? { maxLength: big() } : {}) };
    case 'anyOf':
      return { anyOf: [randomSchema(rng, depth + 1), rng.next() < 0.5 ? { type: 'null' } : { $ref: '#' }] };
    case 'allOf':
      return { allOf: [randomSchema(rng, depth + 1), { $ref: '#' }] };
    case 'ref':
      return { $ref: '#' };
    default:
      return { type: 'integer', minimum: big(), maximum: big() };
  }
}

describe('X7 the schema value generator is bounded in output, whatever the schema', { tags: ['X7'] }, () => {
  test('500 random schemas: a value within the character budget, or a SchemaValueError — nothing else', () => {
    const rng = new Prng(20260424);
    let refused = 0;
    for (let i = 0; i < 500; i++) {
      const schema = randomSchema(rng, 0);
      try {
        const value = valueForSchema(new Prng(i), schema);
        // The budget counts a little per value too: the JSON text stays below it.
        expect(JSON.stringify(value)?.length ?? 0).toBeLessThanOrEqual(SCHEMA_VALUE_BUDGET.maxChars);
      } catch (e) {
        if (!(e instanceof SchemaValueError)) throw e;
        refused++;
      }
    }
    // Both outcomes occur: the grammar is not trivially small or trivially huge.
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(500);
  });
});
