/**
 * Requests that fuzzing found answered with a 500: each is a 4xx with the OpenAI envelope now,
 * documented in docs/errors.md.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jsonDepthWithin, valueCountWithin, valueDepthWithin } from '../../src-server/shared/protocol/json-depth.js';
import {
  ALL_ERRORS_MAX_VALUES,
  LENIENT_ROUNDS,
  validateCreateRequest,
} from '../../src-server/shared/protocol/validate-request.js';
import { headerList, headerSafe, headerText, MAX_LIST_HEADER_CHARS } from '../../src-server/http/header-value.js';
import { toJsonl } from '../../src-server/shared/recording-format/format.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { recordedRun } from '../support/recorded-run.js';
import { deepJson, expectError } from './helpers.js';

/** Rows of docs/errors.md's tables as "status type code param". */
function documentedRows(): Set<string> {
  const text = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Set<string>();
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim().replace(/`/g, ''));
    if (/^\d{3}$/.test(cells[1] ?? '')) rows.add(`${cells[1]} ${cells[2]} ${cells[3]} ${cells[4]}`);
  }
  return rows;
}

describe('json depth, measured without recursion', { tags: ['X7', 'E4'] }, () => {
  test('text and bytes, strings and escapes ignored, stops past the limit', () => {
    expect(jsonDepthWithin('1', 10)).toBe(0);
    expect(jsonDepthWithin('{"a":[1,{"b":[]}]}', 10)).toBe(4);
    expect(jsonDepthWithin('{"a":"[[[[\\"[[[["}', 2)).toBe(1);
    expect(jsonDepthWithin(Buffer.from('{"é":[["ü"]]}'), 10)).toBe(3);
    expect(jsonDepthWithin(deepJson(1_000_000, 'array'), 128)).toBe(-1);
    expect(jsonDepthWithin(deepJson(128), 128)).toBe(128);
    expect(jsonDepthWithin(deepJson(129), 128)).toBe(-1);
  });

  test('parsed values too, at any depth', () => {
    expect(valueDepthWithin(JSON.parse(deepJson(100_000, 'array')), 128)).toBe(-1);
    expect(valueDepthWithin({ a: [1, { b: [] }] }, 10)).toBe(4);
    expect(valueDepthWithin('x', 0)).toBe(0);
  });

  test('values counted, stopping past the limit', () => {
    expect(valueCountWithin({ a: [1, { b: [] }] }, 10)).toBe(5);
    expect(valueCountWithin('x', 1)).toBe(1);
    expect(valueCountWithin(new Array(1_000_000).fill(0), 2000)).toBe(-1);
    expect(valueCountWithin(JSON.parse(deepJson(50_000, 'array')), 2000)).toBe(-1);
  });
});

describe(
  'lenient mode finds unknown fields without an all-errors pass over large bodies',
  { tags: ['X7', 'L3'] },
  () => {
    const item = (i: number, extra: boolean) => ({ role: 'user', content: `m${i}`, ...(extra ? { sparkle: i } : {}) });

    test('20,000 invalid items: the first error, not a 30 s all-errors pass', () => {
      const body = { model: 'm', input: Array.from({ length: 20_000 }, (_, i) => i), unknown: 1 };
      expect(() => validateCreateRequest(body, { compat: 'lenient' })).toThrow(/input\[0\]/);
    });

    test('a small body: every unknown field in one pass, however many objects hold one', () => {
      const input = Array.from({ length: 300 }, (_, i) => item(i, true));
      expect(valueCountWithin({ input }, ALL_ERRORS_MAX_VALUES)).not.toBe(-1);
      const { ignoredFields, request } = validateCreateRequest({ model: 'm', input }, { compat: 'lenient' });
      expect(ignoredFields).toHaveLength(300);
      expect((request.input as { sparkle?: number }[]).some((x) => 'sparkle' in x)).toBe(false);
    });

    test('a large body: the unknown keys of one object per round, every key of that object at once', () => {
      const input = Array.from({ length: 5000 }, (_, i) => item(i, i % 500 === 0));
      const body = { model: 'm', input, ...Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`x${i}`, i])) };
      const { ignoredFields } = validateCreateRequest(body, { compat: 'lenient' });
      expect(ignoredFields).toHaveLength(110);
      expect(ignoredFields.slice(0, 3)).toEqual(['x0', 'x1', 'x2']);
    });

    test(`a large body with unknown fields in more than ${LENIENT_ROUNDS} objects: the next one is reported`, () => {
      const input = Array.from({ length: 5000 }, (_, i) => item(i, i % 100 === 0));
      expect(() => validateCreateRequest({ model: 'm', input }, { compat: 'lenient' })).toThrow(
        `Unknown parameter: 'input[${LENIENT_ROUNDS * 100}].sparkle'.`,
      );
    });
  },
);

describe('header values built from request content', { tags: ['X7', 'L3'] }, () => {
  test('control characters, non-ASCII, % and , are percent-encoded; field paths are unchanged', () => {
    expect(headerSafe('input[0].foo_bar')).toBe('input[0].foo_bar');
    expect(headerSafe('a\u0000b\r\nc')).toBe('a%00b%0D%0Ac');
    expect(headerSafe('é,%')).toBe('%C3%A9%2C%25');
    expect(headerSafe('\uD800')).toBe('%EF%BF%BD');
  });

  test('a long list is cut at a whole entry and says how many are left out', () => {
    const items = Array.from({ length: 2000 }, (_, i) => `field_${i}`);
    const value = headerList(items);
    expect(value.length).toBeLessThanOrEqual(MAX_LIST_HEADER_CHARS + 20);
    expect(value).toMatch(/, \.\.\.\(\+\d+ more\)$/);
  });

  test('one long text is cut to the bound, never inside a percent escape', () => {
    expect(headerText('short é')).toBe('short %C3%A9');
    expect(headerText('x'.repeat(100_000))).toBe(`${'x'.repeat(MAX_LIST_HEADER_CHARS - 8)}...(cut)`);
    for (let shift = 0; shift < 6; shift++) {
      const value = headerText(`${'a'.repeat(shift)}${'é'.repeat(5_000)}`, 100);
      expect(value.length).toBeLessThanOrEqual(100);
      expect(value).toMatch(/^a*(%C3%A9)*\.\.\.\(cut\)$/);
    }
  });
});

describe('the 500s found by fuzzing are 4xx with the OpenAI envelope', { tags: ['X7', 'M2', 'L3'] }, () => {
  let h: GatewayHarness;
  let lenient: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'warn', record: 'on' });
    lenient = await startGateway({ logLevel: 'warn', compat: 'lenient' });
  });
  afterAll(async () => {
    // No request above was a 500: nothing was logged as an unexpected error.
    for (const g of [h, lenient]) expect(g.logs.filter((l) => l.level === 'error')).toEqual([]);
    await Promise.all([h.close(), lenient.close()]);
  });

  test.each(['abc', 'NaN', '1e400', '0', '-1', '1.5', '1001', 'Infinity', '0x10'])(
    'GET /v1/recordings?limit=%s is a 400 naming limit',
    async (value) => {
      const res = await fetch(`${h.url}/v1/recordings?limit=${encodeURIComponent(value)}`);
      await expectError(res, 400, { type: 'invalid_request_error', code: 'invalid_value', param: 'limit' });
    },
  );

  test.each(['abc', 'NaN', '1e400', '-1', '2.5'])(
    'GET /v1/recordings?offset=%s is a 400 naming offset',
    async (value) => {
      const res = await fetch(`${h.url}/v1/recordings?offset=${encodeURIComponent(value)}`);
      await expectError(res, 400, { code: 'invalid_value', param: 'offset' });
    },
  );

  test('limits in range still page', async () => {
    const res = await fetch(`${h.url}/v1/recordings?limit=1000&offset=0`);
    expect(res.status).toBe(200);
  });

  test('importing a deeply nested run is a 400 naming the line', async () => {
    const run = recordedRun([], { id: 'rec_deep' });
    const text = toJsonl({ sessionId: null, exportedAt: '', runs: [run] }).replace(
      '"input":"hi"',
      `"input":${deepJson(50_000)}`,
    );
    const res = await fetch(`${h.url}/v1/recordings/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: text,
    });
    const error = await expectError(res, 400, { code: 'invalid_value', param: 'body' });
    expect(error.message).toMatch(/line 2: nested deeper than \d+ levels/);
  });

  test('deep tools[].parameters and text.format.schema are 400 nesting_too_deep', async () => {
    for (const body of [
      `{"model":"sim-chat","input":"x","tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":${deepJson(20_000)}}}]}`,
      `{"model":"sim-chat","input":"x","text":{"format":{"type":"json_schema","name":"n","schema":${deepJson(20_000)}}}}`,
    ])
      await expectError(await postJson(`${h.url}/v1/responses`, body), 400, { code: 'nesting_too_deep' });
  });

  test('lenient mode: an unknown field named with NUL and CR LF is ignored and listed, percent-encoded', async () => {
    const res = await postJson(`${lenient.url}/v1/responses`, { model: 'sim-chat', input: 'x', 'we\u0000ird\r\nx': 1 });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-responses-ignored-fields')).toBe('we%00ird%0D%0Ax');
  });

  test('lenient mode: thousands of unknown fields give a bounded header', async () => {
    const body: Record<string, unknown> = { model: 'sim-chat', input: 'x' };
    for (let i = 0; i < 3000; i++) body[`unknown_field_${i}`] = i;
    const res = await postJson(`${lenient.url}/v1/responses`, body);
    expect(res.status).toBe(200);
    expect((res.headers.get('x-responses-ignored-fields') ?? '').length).toBeLessThanOrEqual(
      MAX_LIST_HEADER_CHARS + 20,
    );
  });

  test('a model name of 100,000 characters: the truncation header stays bounded and the 404 readable', async () => {
    // The header quoted the model whole: 100 KB of header, which fetch (undici, 16 KiB) refused to read.
    const model = 'x'.repeat(100_000);
    const res = await postJson(`${h.url}/v1/responses`, { model, input: 'x', truncation: 'auto' });
    await expectError(res, 404, { code: 'model_not_found', param: 'model' });
    const header = res.headers.get('x-responses-truncation') ?? '';
    expect(header).toMatch(/^unmeasured; reason=the backend reports no max_model_len for 'x+\.\.\.\(cut\)$/);
    expect(header.length).toBeLessThanOrEqual(MAX_LIST_HEADER_CHARS + 40);
  });

  test('lenient mode: a deep unknown field is 400 nesting_too_deep', async () => {
    const body = `{"model":"sim-chat","input":"x","unknown":${deepJson(20_000)}}`;
    await expectError(await postJson(`${lenient.url}/v1/responses`, body), 400, { code: 'nesting_too_deep' });
  });

  test('docs/errors.md documents the new rows', () => {
    const rows = documentedRows();
    expect(rows).toContain('400 invalid_request_error nesting_too_deep null');
    expect(rows).toContain('400 invalid_request_error invalid_value limit / offset');
    expect(rows).toContain('400 invalid_request_error invalid_value body');
    expect(rows).toContain('400 invalid_request_error invalid_request_error null');
  });
});
