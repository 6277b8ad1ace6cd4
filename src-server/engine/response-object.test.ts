import { describe, expect, it } from 'vitest';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import { echoTools, initialResponse, withStatus } from './response-object.js';

const echo = (tools: unknown[]): unknown[] => echoTools(tools as CreateResponseRequest['tools']);

describe('echoTools', () => {
  it('fills the fields the schemas require, keeping the client key order and its other keys', () => {
    const tools = [
      { type: 'function', name: 'get_weather', parameters: { type: 'object' }, x_extra: 1 },
      { type: 'custom', name: 'apply' },
      { type: 'namespace', name: 'ns', tools: [{ type: 'function', name: 'inner' }] },
      { type: 'shell' },
      { type: 'web_search', search_context_size: 'low' },
      { type: 'function', name: 'full', description: 'd', parameters: null, strict: true },
    ];
    const echoed = echo(tools);
    expect(JSON.stringify(echoed)).toBe(
      JSON.stringify([
        {
          type: 'function',
          name: 'get_weather',
          parameters: { type: 'object' },
          x_extra: 1,
          description: null,
          strict: null,
        },
        { type: 'custom', name: 'apply', format: { type: 'text' } },
        {
          type: 'namespace',
          name: 'ns',
          tools: [{ type: 'function', name: 'inner', description: null, parameters: null, strict: null }],
          description: '',
        },
        { type: 'shell', environment: null },
        { type: 'web_search', search_context_size: 'low' },
        { type: 'function', name: 'full', description: 'd', parameters: null, strict: true },
      ]),
    );
    // Copies: the request's tools are not changed.
    expect(tools[0]).not.toHaveProperty('description');
    expect(echoed[0]).not.toBe(tools[0]);
    expect(echoed[5]).not.toBe(tools[5]);
  });

  it('keeps a "__proto__" key of a parsed body as a key, as a spread copy does', () => {
    const tools = JSON.parse(
      '[{"type":"function","name":"f","__proto__":{"polluted":true}},' +
        '{"type":"function","name":"g","description":"","parameters":{},"strict":false,"__proto__":{"polluted":true}}]',
    ) as unknown[];
    const echoed = echo(tools) as Record<string, unknown>[];
    for (const e of echoed) {
      expect(Object.getPrototypeOf(e)).toBe(Object.prototype);
      expect(e.polluted).toBeUndefined();
    }
    expect(JSON.stringify(echoed)).toBe(
      '[{"type":"function","name":"f","__proto__":{"polluted":true},"description":null,"parameters":null,"strict":null},' +
        '{"type":"function","name":"g","description":"","parameters":{},"strict":false,"__proto__":{"polluted":true}}]',
    );
  });
});

describe('withStatus', () => {
  it('copies a Response with another status, same keys in the same order, the original unchanged', () => {
    const response = initialResponse({ model: 'm', input: 'hi', background: true }, 'resp_1', 1);
    const queued = withStatus(response, 'queued');
    expect(queued).not.toBe(response);
    expect(response.status).toBe('in_progress');
    expect(queued.status).toBe('queued');
    expect(Object.keys(queued)).toEqual(Object.keys(response));
    expect(JSON.stringify(queued)).toBe(
      JSON.stringify(response).replace('"status":"in_progress"', '"status":"queued"'),
    );
  });
});
