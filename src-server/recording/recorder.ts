/**
 * The recorder: observes every gateway request and keeps the runs (POSTs that create a response
 * or submit tool outputs, and `response.create` messages on a WebSocket) in the recordings store,
 * as they happen.
 *
 * It is an observer of the exchange (exchange/observer.ts): the response writers tell it the
 * request body as the route read it, the status line and headers as sent, and each piece of the
 * answer as written — an SSE event or comment, a WebSocket frame, a whole JSON body — with its
 * exact text and time; it stamps each with the offset since the request arrived. Non-SSE answers
 * (JSON responses, errors) become one `http.body` event. Nothing is patched and nothing written is
 * parsed back. Store appends are buffered and written once per tick (recordings-store.ts): the
 * hot path does a redaction scan and an array push per event.
 *
 * Sessions: a run whose request names `previous_response_id`, and a tool-output submission for a
 * response, join that response's session; any other run starts a new one. A submission is not the
 * run that produced the response it names: it never stands for that response's session. On a
 * shared store a submission can reach another instance before the one running the response
 * stored its link: it starts in a session of its own and names the response it joins, and the
 * store moves it into that session whichever of the two writes lands first (RecordingMeta.joins).
 *
 * Containment (X7): a hook that throws is contained by ExchangeTaps and reported through the
 * request's logger; that run is recorded no further (it is still finished when the exchange
 * closes), and the client gets its whole answer. Store failures starting or finishing a recording
 * go to `onError`. A body nested deeper than `maxDepth` is never walked: it is recorded as a note
 * saying so. */
import { createLogger, reportTo } from '../logging/logger.js';
import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { RecordingStorage } from '../store/contract.js';
import type { FinishRecordingInput } from '../store/recordings-store.js';
import { newRecordingSessionId } from '../ids/ids.js';
import { BODY_TYPE, finalResponse, type RecordedRequest, type RunEvent } from '../shared/recording-format/format.js';
import { DEFAULT_MAX_JSON_DEPTH, jsonDepthOk } from '../shared/protocol/json-depth.js';
import { isTerminalEventType } from '../shared/protocol/events.js';
import { credentialsIn, Redactor } from './redact.js';
import type { ExchangeObserver, HeaderValue, Observable, WrittenPiece } from '../exchange/observer.js';
import { responseSummary } from '../shared/recording-format/summary.js';

export interface RecorderOptions {
  recordings: RecordingStorage;
  /** Configured secrets (see redact.ts secretsFromConfig). */
  secrets?: readonly string[];
  /** Deepest request body that is parsed and kept (`--max-request-depth`); deeper ones are noted, not walked. */
  maxDepth?: number;
  /**
   * A recorder failure; the request it happened in is not affected. The gateway passes its logger's;
   * without one, an `error` line of the JSON log format on stderr.
   */
  onError?: (err: unknown, where: string) => void;
}

export interface RequestInfo {
  requestId: string;
  /** performance.now() at arrival. */
  startedAt: number;
  method: string;
  path: string;
  /** Owner id of the request's API key (tenancy): the recording is theirs. */
  owner: string;
}

export interface RecorderAction {
  /** e.g. `tool_outputs`. */
  kind: string;
  data: unknown;
}

interface Live {
  recordingId: string;
  sessionId: string;
  startedAt: number;
  owner: string;
}

const CREATE_PATH = /\/responses$/;
const TOOL_OUTPUTS_PATH = /\/responses\/([^/]+)\/tool_outputs$/;
const RESPONSE_ID = /"id"\s*:\s*"(resp_[^"]+)"/;
const EMPTY = Buffer.alloc(0);
/** Most request-body bytes kept (the route's own limit normally stops a body long before). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Response id → session, for linking continuations; oldest entries go first. */
const SESSION_MEMORY = 10_000;
/** Longest id looked up in the store: gateway ids are far shorter, a longer one cannot match. */
const MAX_ID_CHARS = 256;

/** An id a store could hold as a response's (gateway ids are far shorter than MAX_ID_CHARS). */
const linkable = (id: string | null): id is string => id !== null && id !== '' && id.length <= MAX_ID_CHARS;

export class Recorder {
  private readonly store: RecordingStorage;
  private readonly redactor: Redactor;
  private readonly byResponse = new Map<string, Live>();
  readonly maxDepth: number;
  private readonly onError: (err: unknown, where: string) => void;

  constructor(options: RecorderOptions) {
    this.store = options.recordings;
    this.redactor = new Redactor(options.secrets ?? []);
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
    this.onError = options.onError ?? reportTo(createLogger('error'));
  }

  /**
   * Called by the HTTP server for every request before routing, with the request's response
   * writer: observes the ones that are runs.
   */
  observe(exchange: Observable, headers: IncomingHttpHeaders, info: RequestInfo): void {
    if (info.method !== 'POST') return;
    const toolOutputsFor = TOOL_OUTPUTS_PATH.exec(info.path)?.[1];
    if (toolOutputsFor === undefined && !CREATE_PATH.test(info.path)) return;
    try {
      exchange.observe(new RunCapture(this, headers, info, toolOutputsFor ?? null));
    } catch (err) {
      this.report(err, 'observing a request');
    }
  }

  /**
   * One `response.create` message on a WebSocket (docs/streaming.md#websocket) as a run: the
   * message is the request body (the upgrade request's headers with it), every frame sent back
   * is an event with its exact text and offset. Null when nothing is recorded (a failure was
   * reported).
   */
  webSocketTurn(exchange: Observable, headers: IncomingHttpHeaders, info: RequestInfo, message: Buffer): void {
    try {
      exchange.observe(new WebSocketTurnRecording(this, headers, info, message));
    } catch (err) {
      this.report(err, 'recording a WebSocket message');
    }
  }

  /** @internal Reports a failure of a recorder hook; never throws. */
  report(err: unknown, where: string): void {
    try {
      this.onError(err, where);
    } catch {
      // A failing error reporter must not take the request down either.
    }
  }

  /**
   * Records an action (tool outputs submitted, …) on the run that produced `responseId`, at the
   * current offset of that run. False when that run is unknown, another owner's, or no longer
   * being written.
   */
  recordAction(responseId: string, action: RecorderAction, owner: string): boolean {
    const live = this.byResponse.get(responseId);
    // Another owner's run is not this request's to add to (tenancy).
    if (!live || live.owner !== owner) return false;
    return this.store.appendAction(live.recordingId, {
      offsetMs: performance.now() - live.startedAt,
      kind: action.kind,
      data: this.redactor.json(action.data),
    });
  }

  /**
   * The session a response of this owner belongs to (this process's memory first, then the store:
   * exact match). The embedded store answers at once; a shared one (PostgreSQL: the response may
   * have been recorded by another instance) answers later, and the run waits for it to start.
   */
  sessionOf(responseId: string, owner: string): string | null | Promise<string | null> {
    const live = this.byResponse.get(responseId);
    if (live) return live.owner === owner ? live.sessionId : null;
    if (!linkable(responseId)) return null;
    return this.store.sessionOfNow
      ? this.store.sessionOfNow(responseId, owner)
      : this.store.sessionOf(responseId, owner);
  }

  /**
   * @internal Calls `then` with the session a lookup found (null when none was found or the lookup
   * failed): at once for an answer in memory, later for a store's. `where` names `then` in a report.
   */
  whenFound(
    found: string | null | Promise<string | null>,
    where: string,
    then: (session: string | null) => void,
  ): void {
    if (!(found instanceof Promise)) {
      then(found);
      return;
    }
    void found
      .catch((err: unknown) => {
        this.report(err, 'looking up the session of a recording');
        return null;
      })
      .then(then)
      .catch((err: unknown) => this.report(err, where));
  }

  /** @internal used by RunCapture */
  get internals(): { store: RecordingStorage; redactor: Redactor } {
    return { store: this.store, redactor: this.redactor };
  }

  /** @internal a run learned its response id. */
  linkResponse(responseId: string, live: Live): void {
    this.byResponse.set(responseId, live);
    // A shared store: a tool-output submission or continuation sent to another instance while
    // this run is still open finds its session there, and one recorded there before this link
    // is moved into it (the embedded store gets the link with the finish).
    if (this.store.shared)
      this.store
        .update(live.recordingId, { responseId })
        .catch((err: unknown) => this.report(err, 'linking a recording'));
    if (this.byResponse.size > SESSION_MEMORY) {
      const oldest = this.byResponse.keys().next().value;
      if (oldest !== undefined) this.byResponse.delete(oldest);
    }
  }
}

/** One request being recorded: an observer of its exchange. */
class RunCapture implements ExchangeObserver {
  private bodyBytes: Buffer | null = null;
  private requestEnded = false;
  /** A tool-output submission answered before its body was read: recorded if the body is read later. */
  private actionPending = false;
  private recordingId: string | null = null;
  /** While the start waits for a session lookup: what the exchange did meanwhile. */
  private waiting: (() => void)[] | null = null;
  private sessionId = '';
  private status = 0;
  private headers: Record<string, string> = {};
  /** The answer is an event stream (its pieces are events), else one body. */
  private sse = false;
  private body = '';
  private seq = 0;
  private responseId: string | null = null;
  /** The terminal event (or JSON body): where the final Response is read from. */
  private terminal: RunEvent | null = null;
  /** An `error` event (a stream that failed without a terminal Response event). */
  private sawError = false;
  private readonly redactor: Redactor;

  constructor(
    private readonly recorder: Recorder,
    private readonly requestHeaders: IncomingHttpHeaders,
    private readonly info: RequestInfo,
    private readonly toolOutputsFor: string | null,
  ) {
    this.redactor = recorder.internals.redactor.with(credentialsIn(requestHeaders));
  }

  requestBody(bytes: Buffer, complete: boolean): void {
    if (this.requestEnded) return;
    // Past the cap (a body the route refused as too large) nothing more is kept.
    this.bodyBytes = bytes.length <= MAX_BODY_BYTES ? bytes : bytes.subarray(0, MAX_BODY_BYTES);
    if (!complete) return;
    this.requestEnded = true;
    this.start();
    if (this.actionPending) this.recordToolOutputs(this.parseBody());
  }

  head(status: number, headers: Readonly<Record<string, HeaderValue>>): void {
    this.start();
    this.status = status;
    this.headers = this.redactor.headers(headers as Record<string, string | string[] | number | undefined>);
    this.sse = (this.headers['content-type'] ?? '').startsWith('text/event-stream');
  }

  write(piece: WrittenPiece, at: number): void {
    if (this.sse) this.append(piece.type, piece.text, at);
    else this.body += piece.text;
  }

  end(at: number): void {
    if (!this.sse) this.append(BODY_TYPE, this.body, at);
  }

  close(finished: boolean, status: number): void {
    this.finish(!finished, status);
  }

  /** Starts the recording once the body is in (or when the route answers without reading it). */
  private start(): void {
    if (this.recordingId !== null || this.waiting) return;
    const body = this.parseBody();
    const request: RecordedRequest = {
      method: this.info.method,
      path: this.info.path,
      headers: this.redactor.headers(this.requestHeaders),
      body,
    };
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const previous =
      this.toolOutputsFor ?? (typeof fields.previous_response_id === 'string' ? fields.previous_response_id : null);
    const found = previous !== null ? this.recorder.sessionOf(previous, this.info.owner) : null;
    const atOnce = !(found instanceof Promise);
    this.waiting = [];
    this.recorder.whenFound(found, 'starting a recording', (session) => {
      const waiting = this.waiting ?? [];
      this.waiting = null;
      this.begin(
        session ?? newRecordingSessionId(),
        // Tool outputs whose response was not found: the store joins its session once it is linked.
        session === null && linkable(this.toolOutputsFor) ? this.toolOutputsFor : null,
        request,
        typeof fields.model === 'string' ? fields.model : null,
        atOnce ? body : null,
      );
      // What the exchange did meanwhile, in order.
      for (const run of waiting) run();
    });
  }

  /** `body`: the request body for tool outputs, or null to read it again (the start waited for the store). */
  private begin(
    sessionId: string,
    joins: string | null,
    request: RecordedRequest,
    model: string | null,
    body: unknown,
  ): void {
    const { store } = this.recorder.internals;
    this.sessionId = sessionId;
    try {
      this.recordingId = store.start({
        requestId: this.info.requestId,
        sessionId,
        joins,
        request,
        model,
        owner: this.info.owner,
      });
    } catch (err) {
      // A full or broken store must never break the request itself.
      this.recorder.report(err, 'starting a recording');
      this.recordingId = '';
      return;
    }
    if (this.toolOutputsFor === null) return;
    if (this.requestEnded) this.recordToolOutputs(body ?? this.parseBody());
    else this.actionPending = true;
  }

  private recordToolOutputs(body: unknown): void {
    this.actionPending = false;
    if (this.toolOutputsFor !== null)
      this.recorder.recordAction(this.toolOutputsFor, { kind: 'tool_outputs', data: body }, this.info.owner);
  }

  /** The request body as far as it was read: JSON when it parses, else text; redacted. */
  private parseBody(): unknown {
    const bytes = this.bodyBytes ?? EMPTY;
    // Never walked (redaction, serialization recurse): the gateway answered it with a 400 anyway.
    if (!jsonDepthOk(bytes, this.recorder.maxDepth))
      return `[not recorded: the body nests deeper than ${this.recorder.maxDepth} levels]`;
    const raw = bytes.toString('utf8');
    let body: unknown = raw === '' ? null : raw;
    try {
      body = raw === '' ? null : (JSON.parse(raw) as unknown);
    } catch {
      // Not JSON: kept as text (the run is a 400 then).
    }
    return this.redactor.json(body);
  }

  private append(type: string, raw: string, at: number): void {
    if (this.waiting) {
      this.waiting.push(() => this.append(type, raw, at));
      return;
    }
    const id = this.recordingId;
    if (!id) return;
    const data = this.redactor.text(raw);
    const offsetMs = at - this.info.startedAt;
    if (this.responseId === null && this.status < 400) {
      const found = RESPONSE_ID.exec(data)?.[1];
      if (found) {
        // Kept in memory for linking; the store gets it with the finish (one commit less per run).
        this.responseId = found;
        // A submission's answer names the response it answered, which another run produced: only
        // that run is linked to it (the submission's session is that run's).
        if (this.toolOutputsFor === null)
          this.recorder.linkResponse(found, {
            recordingId: id,
            sessionId: this.sessionId,
            startedAt: this.info.startedAt,
            owner: this.info.owner,
          });
      }
    }
    const event: RunEvent = { seq: this.seq++, offsetMs, type, data };
    if (type === BODY_TYPE || isTerminalEventType(type)) this.terminal = event;
    else if (type === 'error') this.sawError = true;
    this.recorder.internals.store.appendEvent(id, event);
  }

  private finish(aborted: boolean, httpStatus: number): void {
    if (this.waiting) {
      this.waiting.push(() => this.finish(aborted, httpStatus));
      return;
    }
    const id = this.recordingId;
    if (!id) return;
    const { store } = this.recorder.internals;
    const durationMs = performance.now() - this.info.startedAt;
    const events = this.terminal ? [this.terminal] : [];
    const response = finalResponse({ events });
    const summary = responseSummary(response);
    const statusSeen = this.status || (aborted ? 0 : httpStatus);
    let status = aborted ? 'aborted' : statusSeen >= 400 || this.sawError ? 'error' : 'completed';
    if (!aborted && typeof response?.status === 'string') status = response.status;
    const report = (err: unknown): void => this.recorder.report(err, 'finishing a recording');
    const result: FinishRecordingInput = {
      status,
      durationMs,
      httpStatus: statusSeen || null,
      responseHeaders: this.headers,
      responseId: this.responseId,
      toolsUsed: summary.toolsUsed,
      textPreview: summary.text,
      model: summary.model,
    };
    try {
      store.finish(id, result).catch(report);
    } catch (err) {
      report(err);
    }
  }
}

/** A WebSocket `response.create` being recorded (Recorder.webSocketTurn). */
export class WebSocketTurnRecording implements ExchangeObserver {
  private recordingId = '';
  private sessionId = '';
  /** While the start waits for a session lookup: the frames sent meanwhile. */
  private waiting: (() => void)[] | null = [];
  private readonly redactor: Redactor;
  private seq = 0;
  private responseId: string | null = null;
  private terminal: RunEvent | null = null;

  constructor(
    private readonly recorder: Recorder,
    headers: IncomingHttpHeaders,
    private readonly info: RequestInfo,
    message: Buffer,
  ) {
    this.redactor = recorder.internals.redactor.with(credentialsIn(headers));
    let body: unknown = `[not recorded: the message nests deeper than ${recorder.maxDepth} levels]`;
    if (jsonDepthOk(message, recorder.maxDepth)) {
      const raw = message.toString('utf8');
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        body = raw;
      }
      body = this.redactor.json(body);
    }
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const previous = typeof fields.previous_response_id === 'string' ? fields.previous_response_id : null;
    const request: RecordedRequest = {
      method: info.method,
      path: info.path,
      headers: this.redactor.headers(headers),
      body,
    };
    const found = previous !== null ? recorder.sessionOf(previous, info.owner) : null;
    const atOnce = !(found instanceof Promise);
    recorder.whenFound(found, 'starting a recording', (session) => {
      const waiting = this.waiting ?? [];
      this.waiting = null;
      const sessionId = session ?? newRecordingSessionId();
      this.sessionId = sessionId;
      const start = (): string =>
        recorder.internals.store.start({
          requestId: info.requestId,
          sessionId,
          request,
          model: typeof fields.model === 'string' ? fields.model : null,
          owner: info.owner,
        });
      if (atOnce) {
        // As before the store could answer later: a failed start is the caller's to report.
        this.recordingId = start();
      } else {
        try {
          this.recordingId = start();
        } catch (err) {
          recorder.report(err, 'recording a WebSocket message');
          return;
        }
      }
      for (const run of waiting) run();
    });
  }

  /** A frame sent to the client: its type and exact text. */
  write(piece: WrittenPiece, at: number): void {
    if (this.waiting) {
      this.waiting.push(() => this.write(piece, at));
      return;
    }
    if (!this.recordingId) return;
    const data = this.redactor.text(piece.text);
    if (this.responseId === null && piece.type !== 'error') {
      const found = RESPONSE_ID.exec(data)?.[1];
      if (found) {
        this.responseId = found;
        this.recorder.linkResponse(found, {
          recordingId: this.recordingId,
          sessionId: this.sessionId,
          startedAt: this.info.startedAt,
          owner: this.info.owner,
        });
      }
    }
    const event: RunEvent = { seq: this.seq++, offsetMs: at - this.info.startedAt, type: piece.type, data };
    if (isTerminalEventType(piece.type) || piece.type === 'error') this.terminal = event;
    this.recorder.internals.store.appendEvent(this.recordingId, event);
  }

  /** The turn is over: `httpStatus` is the error frame's status, or 101 for a response. */
  close(finished: boolean, httpStatus: number): void {
    if (this.waiting) {
      this.waiting.push(() => this.close(finished, httpStatus));
      return;
    }
    if (!this.recordingId) return;
    const aborted = !finished;
    const report = (err: unknown): void => this.recorder.report(err, 'finishing a WebSocket recording');
    try {
      const response = finalResponse({
        events: this.terminal && this.terminal.type !== 'error' ? [this.terminal] : [],
      });
      const summary = responseSummary(response);
      let status = aborted ? 'aborted' : httpStatus >= 400 ? 'error' : 'completed';
      if (!aborted && typeof response?.status === 'string') status = response.status;
      this.recorder.internals.store
        .finish(this.recordingId, {
          status,
          durationMs: performance.now() - this.info.startedAt,
          httpStatus,
          responseHeaders: { 'x-request-id': this.info.requestId },
          responseId: this.responseId,
          toolsUsed: summary.toolsUsed,
          textPreview: summary.text,
          model: summary.model,
        })
        .catch(report);
    } catch (err) {
      report(err);
    }
  }
}
