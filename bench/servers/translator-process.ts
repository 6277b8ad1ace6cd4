/**
 * Bench child process: the least work any Responses gateway must do in front of a Chat
 * Completions server, hand-written for one case only (a streamed text answer, nothing stored,
 * nothing validated, no metrics, no limits, no logging). Parse the request body, send the Chat
 * request upstream, parse each upstream chunk, write the same Responses events, byte for byte in
 * shape, that the gateway writes for that answer (created, in_progress, item and part added, one
 * delta per chunk, the three done events, completed with usage).
 *
 * It is not a product: it is the floor of protocol translation in Node on this machine, between
 * the bare pass-through proxy (which parses nothing) and the gateway. Usage:
 * translator-process.ts <upstream base url>
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { serveOnLoopback } from './serve.js';

const upstream = new URL(process.argv[2] ?? '');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

interface ChatChunk {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

const id = (prefix: string): string => `${prefix}_${randomBytes(16).toString('hex')}`;

function responseObject(
  rid: string,
  model: string,
  createdAt: number,
  done: { output: unknown[]; input: number; output_tokens: number } | undefined,
): string {
  return JSON.stringify({
    id: rid,
    object: 'response',
    access_programs: null,
    created_at: createdAt,
    completed_at: done ? Math.floor(Date.now() / 1000) : null,
    status: done ? 'completed' : 'in_progress',
    background: false,
    conversation: null,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    max_tool_calls: null,
    metadata: {},
    model,
    moderation: null,
    output: done ? done.output : [],
    parallel_tool_calls: true,
    presence_penalty: 0,
    frequency_penalty: 0,
    previous_response_id: null,
    prompt: null,
    prompt_cache_key: null,
    prompt_cache_retention: null,
    reasoning: { effort: null, summary: null },
    safety_identifier: null,
    service_tier: 'default',
    store: false,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_logprobs: 0,
    top_p: 1,
    truncation: 'disabled',
    usage: done
      ? {
          input_tokens: done.input,
          input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
          output_tokens: done.output_tokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: done.input + done.output_tokens,
        }
      : null,
  });
}

function translate(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
  const body = JSON.parse(raw) as { model: string; input: string };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [k, v] of Object.entries(req.headers))
    if (k.startsWith('x-simulator-') && typeof v === 'string') headers[k] = v;
  const rid = id('resp');
  const mid = id('msg');
  const createdAt = Math.floor(Date.now() / 1000);
  let seq = 0;
  let out = '';
  const event = (type: string, json: string): void => {
    out += `event: ${type}\ndata: {"type":"${type}",${json},"sequence_number":${seq++}}\n\n`;
  };
  const up = http.request(
    { host: upstream.hostname, port: upstream.port, path: '/v1/chat/completions', method: 'POST', headers, agent },
    (upRes) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      const initial = responseObject(rid, body.model, createdAt, undefined);
      event('response.created', `"response":${initial}`);
      event('response.in_progress', `"response":${initial}`);
      event(
        'response.output_item.added',
        `"output_index":0,"item":{"id":"${mid}","type":"message","status":"in_progress","role":"assistant","content":[]}`,
      );
      event(
        'response.content_part.added',
        `"item_id":"${mid}","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}`,
      );
      res.write(out);
      out = '';
      let text = '';
      let usage = { input: 0, output_tokens: 0 };
      let rest = '';
      upRes.setEncoding('utf8');
      upRes.on('data', (chunk: string) => {
        const blocks = (rest + chunk).split('\n\n');
        rest = blocks.pop() ?? '';
        for (const block of blocks) {
          if (!block.startsWith('data: ')) continue;
          const data = block.slice(6);
          if (data === '[DONE]') continue;
          const parsed = JSON.parse(data) as ChatChunk;
          const content = parsed.choices?.[0]?.delta?.content;
          if (content) {
            text += content;
            event(
              'response.output_text.delta',
              `"item_id":"${mid}","output_index":0,"content_index":0,"delta":${JSON.stringify(content)},"logprobs":[]`,
            );
          }
          if (parsed.usage)
            usage = { input: parsed.usage.prompt_tokens ?? 0, output_tokens: parsed.usage.completion_tokens ?? 0 };
        }
        if (out !== '') {
          res.write(out);
          out = '';
        }
      });
      upRes.on('end', () => {
        const t = JSON.stringify(text);
        const part = `{"type":"output_text","text":${t},"annotations":[]}`;
        const item = `{"id":"${mid}","type":"message","status":"completed","role":"assistant","content":[${part}]}`;
        event(
          'response.output_text.done',
          `"item_id":"${mid}","output_index":0,"content_index":0,"text":${t},"logprobs":[]`,
        );
        event('response.content_part.done', `"item_id":"${mid}","output_index":0,"content_index":0,"part":${part}`);
        event('response.output_item.done', `"output_index":0,"item":${item}`);
        const output = [JSON.parse(item) as unknown];
        event('response.completed', `"response":${responseObject(rid, body.model, createdAt, { output, ...usage })}`);
        res.end(out);
      });
    },
  );
  up.on('error', () => res.destroy());
  up.end(
    JSON.stringify({
      model: body.model,
      messages: [{ role: 'user', content: body.input }],
      stream: true,
      stream_options: { include_usage: true },
    }),
  );
}

const server = http.createServer((req, res) => {
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (raw += c));
  req.on('end', () => {
    try {
      translate(req, res, raw);
    } catch {
      res.writeHead(400).end();
    }
  });
});
serveOnLoopback(server);
