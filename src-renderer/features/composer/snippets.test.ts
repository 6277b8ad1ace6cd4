import { describe, expect, test } from 'vitest';
import { asCurl, asOpenAiNode, asPython } from './snippets.js';

const input = {
  url: 'http://127.0.0.1:8080',
  body: { model: 'sim-chat', input: "it's", stream: true, store: false, metadata: null },
  headers: { 'X-Responses-Extensions': 'on' },
};

describe('copy as code', () => {
  test('curl quotes single quotes safely and keeps headers', () => {
    const curl = asCurl(input);
    expect(curl).toContain("-H 'X-Responses-Extensions: on'");
    expect(curl).toContain(`'{"model":"sim-chat","input":"it'\\''s"`);
    expect(curl.startsWith("curl -N 'http://127.0.0.1:8080/v1/responses'")).toBe(true);
  });
  test('openai-node streams with the same body', () => {
    const code = asOpenAiNode(input);
    expect(code).toContain("baseURL: 'http://127.0.0.1:8080/v1'");
    expect(code).toContain('stream: true');
    expect(code).toContain('"model": "sim-chat"');
  });
  test('Python uses Python literals', () => {
    const code = asPython(input);
    expect(code).toContain('"stream": True');
    expect(code).toContain('"store": False');
    expect(code).toContain('"metadata": None');
    expect(code).toContain('for event in response:');
  });
});
