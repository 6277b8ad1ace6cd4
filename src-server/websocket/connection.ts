/**
 * One Responses WebSocket connection (docs/streaming.md#websocket): `response.create` messages are
 * processed one at a time in arrival order (later ones wait in a queue; never two responses in
 * flight), each streamed back as the same events as SSE, in the connection's dialect. Each message
 * is started by the same responses service as `POST /v1/responses` (responses/service.ts); this
 * file owns the socket side: parsing messages, frames, the queue, the age limit, the close.
 *
 * Connection-local state: the most recent response's conversation (its full input and output) is
 * kept in memory, so that a `previous_response_id` naming it continues on this socket even with
 * `store: false`, without writing anything to the store. Other ids, and a most recent response
 * that was stored, are looked up in the store (`store: true` responses); a `store: false`
 * response of another connection is `previous_response_not_found`. A `store: true` continuation
 * of the connection-local state is stored with that whole conversation as its input
 * (state/planned-run.ts), so that it continues anywhere. A continuation that fails (an error
 * frame or `response.failed`) evicts the id it named: continuing from it again is
 * `previous_response_not_found`.
 *
 * Age limit: after `--responses-websocket-max-age-seconds` the response in flight finishes, every
 * message still queued or arriving gets a `websocket_connection_limit_reached` error frame, and
 * the connection closes (1000) once the queue is empty.
 */
import { Cancel } from '../cancel/cancel.js';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import type { GatewayConfig } from '../config/flags.js';
import type { Dialect, ResponseRun } from '../engine/contract.js';
import { inputAsItems } from '../engine/conversation.js';
import { contained, detached } from '../engine/contain.js';
import { randomHex } from '../ids/ids.js';
import type { CreatedResponse, ResponsesService } from '../engine/responses-service.js';
import { ExchangeTaps } from '../exchange/observer.js';
import { reportTo, type Logger } from '../logging/logger.js';
import { simulatorHeaders } from '../http/request-headers.js';
import { toGatewayError } from '../http/respond.js';
import type { Surface } from '../http/surface.js';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import { errors } from '../shared/protocol/errors.js';
import { validateCreateRequest } from '../shared/protocol/validate-request.js';
import type { Recorder } from '../recording/recorder.js';
import type { Principal } from '../tenancy/owner.js';
import { gated, warmup } from './backpressure.js';
import { FrameWriter, errorFrame } from './frame-writer.js';
import { parseMessage } from './messages.js';

export interface ConnectionDeps {
  config: GatewayConfig;
  /** Starts each message's response (responses/service.ts), as for POST /v1/responses. */
  responses: ResponsesService;
  /** The upgrade's auth and rate-limit identity (http/surface.ts). */
  surface: Surface;
  /** Refused messages are counted like refused HTTP requests (rate-limit rejections). */
  metrics: GatewayMetrics;
  recorder: Recorder | null;
}

/** What the upgrade request settled for the whole connection. */
export interface ConnectionInfo {
  req: IncomingMessage;
  /** Request id of the upgrade; each message gets `<id>.<n>`. */
  requestId: string;
  path: string;
  principal: Principal;
  dialect: Dialect;
  extensions: boolean;
  log: Logger;
}

type Item = Record<string, unknown>;

interface Message {
  data: Buffer;
  isBinary: boolean;
  /** performance.now() when it arrived: event offsets count from here. */
  at: number;
}

/** Close codes (RFC 6455): normal end, and the gateway going away. */
const CLOSE_NORMAL = 1000;
const CLOSE_GOING_AWAY = 1001;

export class ResponsesConnection {
  private readonly queue: Message[] = [];
  private busy = false;
  /**
   * The most recent response's id and, when it is not stored, its whole conversation (a stored one
   * is read from the store like any other id: `items` null).
   */
  private chain: { id: string; items: Item[] | null } | null = null;
  private expired = false;
  private closing = false;
  private turns = 0;
  private run: ResponseRun | null = null;
  private controller: Cancel | null = null;
  private readonly ageTimer: NodeJS.Timeout | undefined;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    private readonly info: ConnectionInfo,
    private readonly deps: ConnectionDeps,
  ) {
    const report = reportTo(info.log);
    ws.on(
      'message',
      contained(
        'receiving a WebSocket message',
        (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
          this.queue.push({ data: toBuffer(data), isBinary, at: performance.now() });
          this.pump();
        },
        report,
      ),
    );
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.once(
      'close',
      contained(
        'closing a WebSocket connection',
        (code: number) => {
          this.closing = true;
          if (this.ageTimer) clearTimeout(this.ageTimer);
          this.queue.length = 0;
          this.chain = null;
          this.controller?.abort();
          this.run?.cancel('client_disconnected');
          info.log.info('websocket closed', { code, turns: this.turns });
        },
        report,
      ),
    );
    ws.on('error', (err) => info.log.info('websocket error', { message: err.message }));
    const maxAge = deps.config.websocketMaxAgeSeconds;
    if (maxAge > 0) {
      this.ageTimer = setTimeout(
        contained('ending an expired WebSocket connection', () => this.expire(), report),
        maxAge * 1000,
      );
      this.ageTimer.unref();
    }
  }

  /** Shutdown: the response in flight ends (cancelled, with its terminal event), then the socket closes. */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.queue.length = 0;
    this.run?.cancel('cancelled');
    const close = (): void => {
      if (this.ws.readyState === this.ws.OPEN) this.ws.close(CLOSE_GOING_AWAY, 'gateway shutting down');
    };
    if (this.busy) detached(this.idle().then(close), 'closing a WebSocket at shutdown', reportTo(this.info.log));
    else close();
    await this.closed;
  }

  private idlePromise: Promise<void> | null = null;
  private idleResolve: (() => void) | null = null;

  private idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    this.idlePromise ??= new Promise((resolve) => (this.idleResolve = resolve));
    return this.idlePromise;
  }

  private expire(): void {
    this.expired = true;
    if (!this.busy) {
      // Idle: say why, then close.
      this.sendError(errors.websocketLimitReached(this.deps.config.websocketMaxAgeSeconds), null);
      this.closeNormally();
    }
  }

  private closeNormally(): void {
    this.closing = true;
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(CLOSE_NORMAL, 'connection limit reached');
  }

  private pump(): void {
    if (this.busy || this.closing) return;
    this.busy = true;
    detached(
      (async () => {
        try {
          while (this.queue.length > 0 && !this.closing) await this.turn(this.queue.shift() as Message);
        } finally {
          this.busy = false;
          this.idleResolve?.();
          this.idlePromise = null;
          this.idleResolve = null;
          if (this.expired && !this.closing) this.closeNormally();
        }
      })(),
      'processing WebSocket messages',
      reportTo(this.info.log),
    );
  }

  /** One message: a response streamed back, or one error frame. Never throws. */
  private async turn(message: Message): Promise<void> {
    const { config, surface } = this.deps;
    const requestId = `${this.info.requestId}.${++this.turns}`;
    const log = this.info.log.child({ requestId });
    // The turn's frames are observed as written (exchange/observer.ts): the recorder is one observer.
    const taps = new ExchangeTaps(reportTo(log));
    this.deps.recorder?.webSocketTurn(
      taps,
      this.info.req.headers,
      { requestId, startedAt: message.at, method: 'GET', path: this.info.path, owner: this.info.principal.owner },
      message.data,
    );
    const writer = new FrameWriter(this.ws, { bufferMaxBytes: config.websocketBufferMaxBytes, taps });
    let previous: string | null = null;
    try {
      if (this.expired) throw errors.websocketLimitReached(config.websocketMaxAgeSeconds);
      const parsed = parseMessage(message.data, message.isBinary, config.maxRequestDepth);
      const { request } = validateCreateRequest(parsed.body, { compat: config.compat });
      previous = typeof request.previous_response_id === 'string' ? request.previous_response_id : null;
      // This connection's own last response, when it is not stored, continues from the
      // connection-local state; a stored one is read from the store like any other id.
      const history = previous !== null && this.chain?.id === previous ? (this.chain.items ?? undefined) : undefined;
      const controller = new Cancel();
      this.controller = controller;
      let created: CreatedResponse;
      try {
        created = await this.deps.responses.create(request, {
          requestId,
          log,
          principal: this.info.principal,
          startedAt: message.at,
          dialect: this.info.dialect,
          extensions: this.info.extensions,
          backendHeaders: simulatorHeaders(this.info.req),
          bodyBytes: message.data.length,
          mode: 'websocket',
          session: false,
          history,
          // Admitted as the connection's upgrade request authenticated (surface.guard).
          admit: async (bytes, maxOutputTokens) =>
            (await surface.admitRequest(this.info.req, log, bytes, maxOutputTokens))?.budget,
          // A message has no headers to carry these: the log says them.
          notices: {
            omittedTools: () => undefined,
            truncated: (report) => log.info('truncation', { ...report }),
          },
          signal: controller.signal,
          // The backend is read only as fast as the socket takes the frames (E8); a warm-up generates nothing.
          wrapBackend: (backend) => (parsed.warmup ? warmup(backend) : gated(backend, writer.ready)),
        });
      } catch (err) {
        this.controller = null;
        throw err;
      }
      const { run } = created;
      this.run = run;
      const unsubscribe = run.onEvent(writer.event);
      if (this.closing) run.cancel('client_disconnected');
      else run.start();
      let final;
      try {
        final = await run.finished;
      } finally {
        unsubscribe();
        this.run = null;
        this.controller = null;
      }
      // Stored before the client sees the end (M6), as on SSE; if it could not be, the client is
      // told that instead.
      const unstored = await created.beforeEnd();
      writer.release(unstored);
      created.streamEnded(writer.count);
      if (unstored || final.status === 'failed' || final.status === 'cancelled') this.evict(previous);
      else
        this.chain = {
          id: final.id,
          items: request.store !== false ? null : ([...inputAsItems(created.context.input), ...final.output] as Item[]),
        };
      taps.close(!(this.closing && final.status !== 'completed'), 101);
    } catch (err) {
      const e = toGatewayError(err, log);
      this.deps.metrics.error(e.code);
      log.info('websocket message refused', { code: e.code, status: e.status });
      this.evict(previous);
      this.sendError(e, writer);
      taps.close(true, errorFrame(e).status);
    } finally {
      writer.finish();
    }
  }

  /** A failed continuation forgets the response it named (spec: "evict … from the connection-local cache"). */
  private evict(previous: string | null): void {
    if (previous !== null && this.chain?.id === previous) this.chain = null;
  }

  private sendError(e: ReturnType<typeof toGatewayError>, writer: FrameWriter | null): void {
    if (writer) return writer.error(e);
    const single = new FrameWriter(this.ws, { bufferMaxBytes: this.deps.config.websocketBufferMaxBytes });
    single.error(e);
    single.finish();
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** A fresh connection id when the upgrade carried no usable `x-request-id`. */
export function connectionId(): string {
  return `ws_${randomHex(12)}`;
}
