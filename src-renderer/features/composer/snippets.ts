/** "Copy as" snippets: the composer's request as curl, openai-node and Python code; a recorded exchange as curl. */
export interface SnippetInput {
  url: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function asCurl({ url, body, headers }: SnippetInput): string {
  const lines = [`curl -N ${shellQuote(`${url}/v1/responses`)}`, `  -H 'content-type: application/json'`];
  for (const [k, v] of Object.entries(headers)) lines.push(`  -H ${shellQuote(`${k}: ${v}`)}`);
  lines.push(`  -d ${shellQuote(JSON.stringify(body))}`);
  return lines.join(' \\\n');
}

export function asOpenAiNode({ url, body, headers }: SnippetInput): string {
  const { stream, ...rest } = body;
  const params = JSON.stringify(rest, null, 2);
  const head = JSON.stringify(headers, null, 2);
  if (stream) {
    return `import OpenAI from 'openai';

const client = new OpenAI({ baseURL: '${url}/v1', apiKey: process.env.OPENAI_API_KEY ?? 'none', defaultHeaders: ${head} });
const stream = await client.responses.create({ ...${params}, stream: true });
for await (const event of stream) console.log(event.type, event);
`;
  }
  return `import OpenAI from 'openai';

const client = new OpenAI({ baseURL: '${url}/v1', apiKey: process.env.OPENAI_API_KEY ?? 'none', defaultHeaders: ${head} });
const response = await client.responses.create(${params});
console.log(response.output_text);
`;
}

/** JSON → Python literal (true/false/null differ). */
function toPython(value: unknown, indent = 0): string {
  const pad = '    '.repeat(indent + 1);
  const end = '    '.repeat(indent);
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string' || typeof value === 'number') return JSON.stringify(value);
  if (Array.isArray(value))
    return value.length ? `[\n${value.map((v) => pad + toPython(v, indent + 1)).join(',\n')},\n${end}]` : '[]';
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.length
    ? `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${toPython(v, indent + 1)}`).join(',\n')},\n${end}}`
    : '{}';
}

export function asPython({ url, body, headers }: SnippetInput): string {
  const stream = body.stream === true;
  const loop = stream ? 'for event in response:\n    print(event.type, event)' : 'print(response.output_text)';
  return `import os
from openai import OpenAI

client = OpenAI(base_url="${url}/v1", api_key=os.environ.get("OPENAI_API_KEY", "none"), default_headers=${toPython(headers)})
response = client.responses.create(**${toPython(body)})
${loop}
`;
}

/** A request exactly as it was sent (method, URL, the headers the console set, the body string). */
export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The answer was a stream: curl should not buffer it. */
  streaming?: boolean;
}

/** curl for exactly this request: same method, URL, headers in order, body byte for byte. */
export function sentAsCurl({ method, url, headers, body, streaming }: SentRequest): string {
  const first = [
    'curl',
    ...(streaming ? ['-N'] : []),
    ...(method === 'GET' && !body ? [] : ['-X', method]),
    shellQuote(url),
  ];
  const lines = [first.join(' ')];
  for (const [k, v] of Object.entries(headers)) lines.push(`  -H ${shellQuote(`${k}: ${v}`)}`);
  if (body) lines.push(`  --data-raw ${shellQuote(body)}`);
  return lines.join(' \\\n');
}
