/**
 * A real HTTP server that behaves like vLLM's OpenAI-compatible server (quirks included) without a
 * GPU: /v1/models, /v1/chat/completions and vLLM's native /v1/responses (streaming and not),
 * /tokenize, /health. Replies come from reply.ts, wire shapes from chunks.ts (Chat) and
 * responses-wire.ts (Responses), latency/fault knobs from options.ts.
 *
 * Client disconnects are counted and emitted as 'disconnect' so tests can prove that an upstream
 * request was aborted (E5).
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { completionBody, serializeStream, type Envelope } from './chunks.js';
import { KnobError, resolveKnobs, type RequestKnobs } from './options.js';
import { fnv1a, Prng } from './prng.js';
import { ForcedToolError, planReply, type ModelTraits, type SimRequest } from './reply.js';
import { SchemaValueError } from './schema-value.js';
import {
  responsesBody,
  responsesErrorEvent,
  ResponsesInputError,
  responsesToChat,
  serializeResponsesStream,
  type SimResponsesRequest,
} from './responses-wire.js';
import { promptTokenIds, textTokenIds, type PromptMessage } from './tokenizer.js';

export const SIMULATOR_MODELS: Record<string, ModelTraits> = {
  'sim-chat': {},
  'sim-reasoning': { reasoningField: 'reasoning' },
  'sim-reasoning-legacy': { reasoningField: 'reasoning_content' },
};

/**
 * OpenAI model names (`gpt-…`, `o1`…, `codex-…`) are answered like sim-chat: clients that choose
 * their tools by model name (Codex offers apply_patch to the models it knows) can be tried offline
 * with the name they expect, as users alias such names onto vLLM models.
 */
const OPENAI_MODEL_NAME = /^(gpt-|o\d|codex-)/;

export function simulatorModelTraits(model: string): ModelTraits | undefined {
  return SIMULATOR_MODELS[model] ?? (OPENAI_MODEL_NAME.test(model) ? SIMULATOR_MODELS['sim-chat'] : undefined);
}

/** Default context window of every simulated model (`--simulator-max-model-len`). */
export const MAX_MODEL_LEN = 32_768;
/** vLLM caches whole KV blocks; cached_tokens is a multiple of this. */
const BLOCK = 16;
const PREFIX_CACHE_LIMIT = 200_000;
const MAX_BODY = 32 * 1024 * 1024;

export interface SimulatorOptions {
  host?: string;
  port?: number;
  seed?: number;
  /** Default time to first token. */
  ttftMs?: number;
  /** Default time between deltas. */
  tokenMs?: number;
  /** Context window reported by /v1/models and /tokenize and enforced on chat requests (default MAX_MODEL_LEN). */
  maxModelLen?: number;
}

export interface DisconnectEvent {
  path: string;
  model: string;
  deltasSent: number;
}

export interface SimulatorStats {
  requests: number;
  completed: number;
  disconnects: number;
  /** Times a stream found its socket full and waited for 'drain' (the client stopped reading, E8). */
  drainWaits: number;
}

/** A streaming chat response in progress, as its writer sees it. */
export interface SimulatorStream {
  readonly path: string;
  readonly model: string;
  readonly deltasTotal: number;
  readonly deltasSent: number;
  /** Bytes written that the client has not read yet (this server's side of the socket). */
  readonly unsentBytes: number;
  /** True while generation is paused because the client does not read (E8). */
  waitingForDrain: boolean;
}

/** Deltas per socket write when many are due at once (a fast model or no latency set). */
const WRITE_BATCH = 16 * 1024;

/** The two generation routes: Chat Completions, and vLLM's native Responses. */
type Wire = 'chat' | 'responses';

/**
 * vLLM's error body: flat with an integer `code` on the Chat route; the Responses route nests the
 * same fields under `error` (vLLM's newer ErrorResponse).
 */
function vllmError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
  wire: Wire = 'chat',
  param: string | null = null,
): void {
  const fields = { message, type, param, code: status };
  const body = JSON.stringify(wire === 'chat' ? { object: 'error', ...fields } : { error: fields });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** A timer callback of one response: a throw cuts that response instead of reaching the event loop. */
function guarded(res: ServerResponse, callback: () => void): () => void {
  return () => {
    try {
      callback();
    } catch {
      res.destroy();
    }
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export class SimulatorServer extends EventEmitter {
  readonly stats: SimulatorStats = { requests: 0, completed: 0, disconnects: 0, drainWaits: 0 };
  /** Streaming responses in progress (E8: tests watch them pause). */
  readonly streams = new Set<SimulatorStream>();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly prefixCache = new Set<string>();
  /** Responses the simulator itself cut (truncate fault): not client disconnects. */
  private readonly cutByServer = new WeakSet<ServerResponse>();
  private readonly defaults: { ttftMs: number; tokenMs: number; seed: number };
  private readonly maxModelLen: number;
  private address: AddressInfo | undefined;

  constructor(private readonly options: SimulatorOptions = {}) {
    super();
    this.defaults = { ttftMs: options.ttftMs ?? 0, tokenMs: options.tokenMs ?? 0, seed: options.seed ?? 1 };
    this.maxModelLen = options.maxModelLen ?? MAX_MODEL_LEN;
    this.server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => this.route(req, res));
    this.server.on('connection', (s: Socket) => {
      s.setNoDelay(true);
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Starts listening; resolves with the base URL (no trailing /v1). */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.address = this.server.address() as AddressInfo;
    return this.url;
  }

  get url(): string {
    if (!this.address) throw new Error('The simulator is not listening.');
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address;
    return `http://${host}:${this.address.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    this.stats.requests++;
    const path = (req.url ?? '/').split('?')[0];
    const handlers: Record<string, [string, () => void | Promise<void>]> = {
      '/health': ['GET', () => void res.writeHead(200, { 'content-length': 0 }).end()],
      '/v1/models': ['GET', () => this.models(res)],
      '/v1/chat/completions': ['POST', () => this.chat(req, res, path, 'chat')],
      '/v1/responses': ['POST', () => this.chat(req, res, path, 'responses')],
      '/tokenize': ['POST', () => this.tokenize(req, res)],
    };
    const handler = handlers[path];
    if (!handler) return this.detail(res, 404, 'Not Found');
    if (req.method !== handler[0]) return this.detail(res, 405, 'Method Not Allowed');
    // Started inside the promise chain: a synchronous throw is answered like an asynchronous one.
    Promise.resolve()
      .then(handler[1])
      .catch((e: unknown) => {
        if (!res.headersSent) vllmError(res, 500, 'InternalServerError', (e as Error).message);
        else res.destroy();
      });
  }

  private detail(res: ServerResponse, status: number, detail: string): void {
    const body = JSON.stringify({ detail });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  }

  private models(res: ServerResponse): void {
    const created = 1_700_000_000 + (this.defaults.seed % 1_000_000);
    const data = Object.keys(SIMULATOR_MODELS).map((id) => ({
      id,
      object: 'model',
      created,
      owned_by: 'vllm',
      root: id,
      parent: null,
      max_model_len: this.maxModelLen,
      permission: [],
    }));
    const body = JSON.stringify({ object: 'list', data });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  }

  private async parse(
    req: IncomingMessage,
    res: ServerResponse,
    wire: Wire = 'chat',
  ): Promise<{ raw: string; body: SimRequest } | undefined> {
    const raw = await readBody(req);
    try {
      const body = JSON.parse(raw) as unknown;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('expected a JSON object');
      return { raw, body: body as SimRequest };
    } catch (e) {
      vllmError(res, 400, 'BadRequestError', `Invalid JSON body: ${(e as Error).message}`, {}, wire);
      return undefined;
    }
  }

  private knobs(
    model: string,
    req: IncomingMessage,
    res: ServerResponse,
    wire: Wire = 'chat',
  ): { base: string; knobs: RequestKnobs; traits: ModelTraits } | undefined {
    let resolved;
    try {
      resolved = resolveKnobs(model, req.headers, this.defaults);
    } catch (e) {
      if (!(e instanceof KnobError)) throw e;
      vllmError(res, 400, 'BadRequestError', e.message, {}, wire);
      return undefined;
    }
    const traits = simulatorModelTraits(resolved.base);
    if (!traits) {
      vllmError(res, 404, 'NotFoundError', `The model \`${model}\` does not exist.`, {}, wire);
      return undefined;
    }
    return { ...resolved, traits };
  }

  private async tokenize(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = await this.parse(req, res);
    if (!parsed) return;
    const body = parsed.body as SimRequest & { prompt?: unknown };
    if (!this.knobs(body.model ?? 'sim-chat', req, res)) return;
    let tokens: number[];
    if (Array.isArray(body.messages)) tokens = promptTokenIds(body.messages, body.tools);
    else if (typeof body.prompt === 'string') tokens = textTokenIds(body.prompt);
    else return vllmError(res, 400, 'BadRequestError', "Either 'prompt' or 'messages' is required.");
    const out = JSON.stringify({ count: tokens.length, max_model_len: this.maxModelLen, tokens, token_strs: null });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out);
  }

  /** Whole blocks of the prompt already seen under the same cache_salt count as cached (H1). */
  private cachedTokens(ids: number[], salt: string): number {
    let hash = fnv1a(salt);
    let cached = 0;
    let hit = true;
    const full = Math.floor((ids.length - 1) / BLOCK);
    if (this.prefixCache.size > PREFIX_CACHE_LIMIT) this.prefixCache.clear();
    for (let b = 0; b < full; b++) {
      for (let i = b * BLOCK; i < (b + 1) * BLOCK; i++) hash = Math.imul(hash ^ ids[i], 0x01000193) >>> 0;
      const key = `${salt}:${b}:${hash}`;
      if (hit && this.prefixCache.has(key)) cached += BLOCK;
      else {
        hit = false;
        this.prefixCache.add(key);
      }
    }
    return cached;
  }

  /** POST /v1/chat/completions and POST /v1/responses: one planner, two wire formats. */
  private async chat(req: IncomingMessage, res: ServerResponse, path: string, wire: Wire): Promise<void> {
    const parsed = await this.parse(req, res, wire);
    if (!parsed) return;
    const responsesRequest = parsed.body as SimResponsesRequest;
    let body = parsed.body;
    if (wire === 'responses') {
      try {
        body = responsesToChat(responsesRequest);
      } catch (e) {
        if (!(e instanceof ResponsesInputError)) throw e;
        return vllmError(res, 400, 'BadRequestError', e.message, {}, wire, e.param);
      }
    }
    const fail = (status: number, type: string, message: string, headers: Record<string, string> = {}): void =>
      vllmError(res, status, type, message, headers, wire);
    const model = typeof body.model === 'string' ? body.model : 'sim-chat';
    const resolved = this.knobs(model, req, res, wire);
    if (!resolved) return;
    const { knobs, traits } = resolved;
    if (!Array.isArray(body.messages) || body.messages.length === 0)
      return fail(400, 'BadRequestError', `'${wire === 'chat' ? 'messages' : 'input'}' must be a non-empty list.`);
    const choice = body.tool_choice;
    if (typeof choice === 'object' && !(body.tools ?? []).some((t) => t.function?.name === choice.function?.name)) {
      return fail(400, 'BadRequestError', `Tool '${choice.function?.name}' named in tool_choice is not in tools.`);
    }

    switch (knobs.fault) {
      case 'rate_limit':
        return fail(429, 'RateLimitError', 'The server is busy: too many requests in flight.', {
          'retry-after': '1',
        });
      case 'server_error':
        return fail(500, 'InternalServerError', 'The engine failed while processing the request.');
      case 'disconnect':
        res.socket?.destroy();
        return;
      case 'hang':
        this.watch(res, path, model, () => 0);
        return;
      default:
        break;
    }

    const rng = new Prng(fnv1a(parsed.raw, fnv1a(String(knobs.seed))));
    const env: Envelope = { id: `chatcmpl-${rng.hex(32)}`, created: 1_700_000_000 + rng.int(0, 9_999_999), model };
    let plan: ReturnType<typeof planReply>;
    try {
      const forced = knobs.tool ? { name: knobs.tool, arguments: knobs.toolArguments } : undefined;
      plan = planReply(body, traits, rng, knobs.deltas, forced);
    } catch (e) {
      if (e instanceof ForcedToolError) return fail(400, 'BadRequestError', e.message);
      // A client schema beyond the generator's budget (schema-value.ts): the request's fault.
      if (!(e instanceof SchemaValueError)) throw e;
      return fail(400, 'BadRequestError', e.message);
    }
    const ids = promptTokenIds(body.messages as PromptMessage[], body.tools);
    // vLLM refuses a prompt that leaves no room in the context window, with these messages: the
    // Chat route counts the completion budget too, the Responses route only the prompt.
    const limit = body.max_completion_tokens ?? body.max_tokens;
    const asked = typeof limit === 'number' ? limit : 0;
    if (wire === 'responses' && ids.length >= this.maxModelLen)
      return vllmError(
        res,
        400,
        'invalid_request_error',
        `The engine prompt length ${ids.length} exceeds the max_model_len ${this.maxModelLen}. Please reduce prompt.`,
        {},
        wire,
        'input',
      );
    if (ids.length + asked > this.maxModelLen || ids.length >= this.maxModelLen)
      return fail(
        400,
        'BadRequestError',
        `This model's maximum context length is ${this.maxModelLen} tokens. However, you requested ${ids.length + asked} tokens (${ids.length} in the messages, ${asked} in the completion). Please reduce the length of the messages or completion.`,
      );
    this.emit(wire === 'chat' ? 'chat' : 'responses', wire === 'chat' ? body : responsesRequest);
    const usage = { promptTokens: ids.length, cachedTokens: this.cachedTokens(ids, body.cache_salt ?? '') };
    const serialize = {
      reasoningField: traits.reasoningField ?? ('reasoning' as const),
      logprobs: body.logprobs === true,
      topLogprobs: typeof body.top_logprobs === 'number' ? body.top_logprobs : 0,
      includeUsage: body.stream_options?.include_usage === true,
    };

    const responsesEnv = { id: `resp_${env.id.slice('chatcmpl-'.length)}`, createdAt: env.created, model };
    if (body.stream !== true) {
      const out =
        wire === 'chat'
          ? completionBody(env, plan, usage, serialize, rng)
          : responsesBody(responsesEnv, responsesRequest, plan, usage, rng);
      let done = false;
      this.watch(res, path, model, () => (done ? 1 : 0));
      setTimeout(
        guarded(res, () => {
          done = true;
          if (res.destroyed) return;
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
          res.end(out);
          this.stats.completed++;
        }),
        knobs.ttftMs + knobs.tokenMs * (plan.completionTokens - 1),
      );
      return;
    }

    const stream =
      wire === 'chat'
        ? serializeStream(env, plan, usage, serialize, rng)
        : serializeResponsesStream(responsesEnv, responsesRequest, plan, usage, serialize, rng);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
    let sent = 0;
    this.watch(res, path, model, () => sent);
    const total = stream.deltas.length;
    const faultAt = knobs.fault ? Math.min(knobs.faultAfter, total) : Infinity;

    const state: SimulatorStream = {
      path,
      model,
      deltasTotal: total,
      get deltasSent() {
        return sent;
      },
      get unsentBytes() {
        return res.destroyed ? 0 : res.writableLength;
      },
      waitingForDrain: false,
    };
    this.streams.add(state);
    res.on('close', () => this.streams.delete(state));

    // Writes deltas [sent, upTo) in writes of about WRITE_BATCH bytes, then calls `then`; at the
    // fault position applies the fault instead. Like vLLM's server it waits for 'drain' when the
    // socket is full, so a client that stops reading pauses the generation (E8).
    const writeUpTo = (upTo: number, then: () => void): void => {
      if (res.destroyed) return;
      const end = Math.min(upTo, faultAt, total);
      for (;;) {
        let out = sent === 0 ? stream.head : '';
        while (sent < end && out.length < WRITE_BATCH) out += stream.deltas[sent++];
        if (sent === faultAt) {
          if (out) res.write(out);
          this.fault(res, knobs, env, wire);
          return;
        }
        if (sent === total) {
          res.end(out + stream.tail);
          this.stats.completed++;
          return;
        }
        if (!res.write(out)) {
          state.waitingForDrain = true;
          this.stats.drainWaits++;
          res.once(
            'drain',
            guarded(res, () => {
              state.waitingForDrain = false;
              writeUpTo(upTo, then);
            }),
          );
          return;
        }
        if (sent >= end) break;
      }
      then();
    };

    if (knobs.ttftMs === 0 && knobs.tokenMs === 0) {
      writeUpTo(total, () => undefined);
      return;
    }
    const tick = guarded(res, (): void => {
      writeUpTo(knobs.tokenMs === 0 ? total : sent + 1, () => setTimeout(tick, knobs.tokenMs));
    });
    setTimeout(tick, knobs.ttftMs);
  }

  private fault(res: ServerResponse, knobs: RequestKnobs, env: Envelope, wire: Wire): void {
    switch (knobs.fault) {
      case 'error_chunk': {
        if (wire === 'responses') {
          res.end(responsesErrorEvent('The engine failed during generation.'));
          return;
        }
        const err = {
          object: 'error',
          message: 'The engine failed during generation.',
          type: 'InternalServerError',
          param: null,
          code: 500,
        };
        res.end(`data: ${JSON.stringify(err)}\n\ndata: [DONE]\n\n`);
        return;
      }
      case 'malformed_chunk':
        if (wire === 'responses') {
          res.end('event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":\n\n');
          return;
        }
        res.end(
          `data: {"id":"${env.id}","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":\n\ndata: [DONE]\n\n`,
        );
        return;
      case 'truncate':
        // Flush what was written, then drop the connection without the chunked terminator.
        this.cutByServer.add(res);
        res.socket?.end();
        res.socket?.destroySoon();
        return;
      default:
        // stall: keep the connection open and silent until the client leaves.
        return;
    }
  }

  /** Counts a client that leaves before the response is complete (E5). */
  private watch(res: ServerResponse, path: string, model: string, deltasSent: () => number): void {
    res.on('close', () => {
      if (res.writableFinished || this.cutByServer.has(res)) return;
      this.stats.disconnects++;
      const event: DisconnectEvent = { path, model, deltasSent: deltasSent() };
      this.emit('disconnect', event);
    });
  }
}
