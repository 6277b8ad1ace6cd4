/**
 * startResponseRun: one response from request to terminal event. Streaming and non-streaming
 * requests share it (a non-streaming caller just awaits `finished`).
 *
 * Subscription timing: the returned promise resolves once the backend accepted the request;
 * pumping starts on a later macrotask (setImmediate), so a caller that calls `onEvent` right after
 * `await startResponseRun(...)` (same or next microtask) sees every event from `response.created`.
 * A caller that has subscribed may call `run.start()` to begin at once: the streaming transports
 * do, so the first events leave in the tick the backend answered rather than after the event loop
 * has gone round (and read whatever else arrived meanwhile, such as the rest of the backend's body).
 */
import { Cancel, type CancelSignal } from '../cancel/cancel.js';
import type { BackendAdapter, ModelPart, ModelRequest } from '../backends/contract.js';
import { errors, isGatewayError, type GatewayError } from '../shared/protocol/errors.js';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import { StreamValidator } from '../shared/protocol/stream-validator.js';
import type { ClientFlow, EventTap, ResponseObject, ResponseRun, RunOptions } from './contract.js';
import { ResponseEventEmitter } from './event-emitter.js';
import type { EventStage } from './events.js';
import { newResponseId } from '../ids/ids.js';
import { ResponseBuilder, type BuilderPart } from './response-builder.js';
import { initialResponse } from './response-object.js';
import { toModelRequest } from './translate-request.js';
import { ToolCatalog } from './client-tools.js';
import { createSurfaceStages, type SurfaceStages } from './surface-stages.js';
import { detached, safeReport, type FailureReporter } from './contain.js';
import { inputAsItems } from './conversation.js';
import { reportTo } from '../logging/logger.js';
import { responseJson } from '../shared/protocol/response-json.js';

const LOGPROBS_INCLUDE = 'message.output_text.logprobs';
const NO_FLOWS: readonly ClientFlow[] = Object.freeze([]);

/** The backend stream of the current turn: the iterable until it is read, then its iterator while it runs. */
interface TurnSource {
  parts: AsyncIterable<BuilderPart> | null;
  iterator?: AsyncIterator<BuilderPart> | null;
}

/** Optional behaviour the stateful features plug in (state/, sessions/, engine/conversation.ts). */
export interface RunHooks {
  /**
   * Session mode (C1): called when a turn ends with function calls; waits for their outputs and
   * adds them to the response with `append` (the `function_call_output`s). Resolves true when
   * the response goes on: the run then starts the next backend turn itself (startNextTurn: the
   * conversation so far plus this response's output); false completes the response as usual; a
   * rejection fails it with that error (e.g. `tool_outputs_timeout`).
   */
  awaitToolOutputs?: (
    run: ResponseRun,
    append: (item: ResponseObject['output'][number]) => void,
    signal: CancelSignal,
  ) => Promise<boolean>;
  /** The first stage of the event chain: may return an event with fields added (encrypted reasoning). */
  decorate?: EventStage;
  /**
   * Pumping waits for this promise (it must resolve, never reject): a store over the network saves
   * the response before its first event, as the embedded store does synchronously.
   */
  startGate?: Promise<void>;
}

export async function startResponseRun(
  request: CreateResponseRequest,
  adapter: BackendAdapter,
  options: RunOptions,
  hooks: RunHooks = {},
): Promise<ResponseRun> {
  const startedAt = options.startedAt ?? performance.now();
  const catalog = new ToolCatalog(request.tools);
  const modelRequest = backendRequest(request, options, catalog);

  // Our own controller: cancel() must abort the backend even when the caller's signal stays live.
  const backend = new Cancel();
  // One listener for the caller leaving (E5): it aborts the backend request and, once the run
  // exists, cancels it. Removed when the response ends.
  const callerAbort = new CallerAbort(options.signal, backend, reportTo(options.logger));
  if (options.signal.aborted) backend.abort(options.signal.reason);
  else options.signal.addEventListener('abort', callerAbort, { once: true });

  const build = (): Run => new Run(request, adapter, options, startedAt, backend, hooks, catalog, callerAbort);
  let parts: AsyncIterable<ModelPart> | null;
  let early: Run | undefined;
  let answered = false;
  try {
    const pending = adapter.stream(modelRequest, { signal: backend.signal, requestId: options.requestId });
    // While the backend works on the request, the run is built and its opening snapshot taken
    // (and serialized, for a streamed response), so that less stands between the backend's answer
    // and the client's first bytes. An immediate: the HTTP adapters write the request in this
    // turn's check phase (undici checks a reused idle socket first), and this runs after that.
    setImmediate(() => {
      if (answered) return;
      try {
        early = build();
        early.prepare();
      } catch {
        // Built again once the backend answered, where a failure fails this request.
        early = undefined;
      }
    });
    parts = await pending;
  } catch (error) {
    callerAbort.detach();
    throw isGatewayError(error) ? error : errors.internal(`The backend request failed: ${(error as Error).message}`);
  } finally {
    answered = true;
  }
  const run = early ?? build();
  callerAbort.run = run;
  // A caller that went away during the backend handshake ends the response right away (E5).
  if (options.signal.aborted) run.cancel('client_disconnected');
  const launch = (): void => {
    let source: TurnSource;
    try {
      source = { parts: run.surface.wrapParts(parts as AsyncIterable<ModelPart>, adapter) };
    } catch (err) {
      // Never leave the response without a terminal event.
      reportTo(options.logger)(err, 'starting a response');
      run.cancel('cancelled');
      return;
    }
    // The closures above (cleanup, abort listener) share this scope and live as long as the run:
    // dropping the stream here lets a session waiting for tool outputs free the finished one.
    parts = null;
    detached(run.pump(source), 'running a response', reportTo(options.logger));
  };
  // Startable once the gate (a network store's save) is passed; started by then by the caller or here.
  const arm = (): void => {
    run.armStart(launch);
    setImmediate(() => run.start());
  };
  if (hooks.startGate) detached(hooks.startGate.then(arm), 'starting a response', reportTo(options.logger));
  else arm();
  return run;
}

/**
 * The one translation of a Responses request into the backend's model request, for the first
 * turn and for every later turn of a session: same tools, headers and priority.
 */
function backendRequest(request: CreateResponseRequest, options: RunOptions, catalog: ToolCatalog): ModelRequest {
  const translateOptions: Parameters<typeof toModelRequest>[1] = { catalog };
  if (options.backendHeaders) translateOptions.headers = options.backendHeaders;
  if (options.priority !== undefined) translateOptions.priority = options.priority;
  return toModelRequest(request, translateOptions);
}

/**
 * The listener on the caller's signal (E5): aborts the backend request and, once the run exists,
 * cancels it. An object, not closures: the run keeps it until it ends, and a closure would keep
 * the whole scope of startResponseRun with it.
 */
class CallerAbort {
  run: Run | undefined;

  constructor(
    private readonly signal: CancelSignal,
    private readonly backend: Cancel,
    private readonly report: FailureReporter,
  ) {}

  handleEvent(): void {
    try {
      this.backend.abort(this.signal.reason);
      this.run?.cancel('client_disconnected');
    } catch (err) {
      safeReport(this.report, err, 'cancelling a response');
    }
  }

  detach(): void {
    this.signal.removeEventListener('abort', this);
  }
}

class Run implements ResponseRun {
  readonly id: string;
  readonly finished: Promise<ResponseObject>;
  private readonly builder: ResponseBuilder;
  private readonly emitter: ResponseEventEmitter;
  private readonly backend: Cancel;
  private readonly callerAbort: CallerAbort;
  private readonly hooks: RunHooks;
  private readonly extensions: boolean;
  /** Clients this run waits for before reading more of the backend's stream (E8). */
  private flows: readonly ClientFlow[] = NO_FLOWS;
  /** The event chain's stages, summary options, model-mode summaries (engine/surface-stages.ts). */
  readonly surface: SurfaceStages;
  private resolveFinished!: (response: ResponseObject) => void;
  /** Begins pumping; set once the run may start, cleared by the first start(). */
  private launch: (() => void) | null = null;

  constructor(
    private readonly request: CreateResponseRequest,
    private readonly adapter: BackendAdapter,
    private readonly options: RunOptions,
    startedAt: number,
    backend: Cancel,
    hooks: RunHooks,
    private readonly catalog: ToolCatalog,
    callerAbort: CallerAbort,
  ) {
    this.id = newResponseId();
    this.backend = backend;
    this.hooks = hooks;
    this.callerAbort = callerAbort;
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    this.extensions = options.extensions;
    this.surface = createSurfaceStages(request, options, hooks.decorate);
    const validate = options.config.validateStream;
    this.emitter = new ResponseEventEmitter({
      logger: options.logger,
      dialect: options.dialect,
      extensions: options.extensions,
      stages: this.surface.stages,
      extensionStages: this.surface.extensionStages,
      validate,
      validator:
        validate === 'off'
          ? undefined
          : new StreamValidator({ dialect: options.dialect, extensions: options.extensions }),
      startedAt,
    });
    this.builder = new ResponseBuilder({
      response: initialResponse(request, this.id, Math.floor(Date.now() / 1000)),
      emit: (event) => this.emitter.emit(event),
      logprobs: request.include?.includes(LOGPROBS_INCLUDE) ?? false,
      onTerminal: (response) => this.onTerminal(response),
      catalog,
      summaries: this.surface.summaries,
    });
  }

  snapshot(): ResponseObject {
    return this.builder.snapshot();
  }

  /** Takes the opening snapshot ahead of `start()`, and serializes it when the events are streamed. */
  prepare(): void {
    const opening = this.builder.prepareOpening();
    if (this.options.streamed) responseJson(opening);
  }

  onEvent(tap: EventTap): () => void {
    return this.emitter.addTap(tap);
  }

  armStart(launch: () => void): void {
    this.launch = launch;
  }

  start(): void {
    const launch = this.launch;
    this.launch = null;
    launch?.();
  }

  /** call_ids of function calls whose arguments were not valid JSON (E7), delivered verbatim. */
  get invalidArgumentCallIds(): readonly string[] {
    return this.builder.invalidArgumentCallIds;
  }

  ping(): boolean {
    if (!this.extensions || this.builder.done) return false;
    this.emitter.emit({ type: 'response.ping' });
    return true;
  }

  cancel(reason: 'client_disconnected' | 'cancelled'): void {
    if (this.builder.done) return;
    this.backend.abort(new Error(`response ${reason}`));
    this.builder.cancel(reason);
  }

  fail(error: GatewayError): void {
    if (this.builder.done) return;
    this.backend.abort(new Error(`response failed: ${error.code}`));
    this.builder.fail(error);
  }

  throttle(flow: ClientFlow): () => void {
    // An array, replaced rather than changed (a run has one or two): a Set's table is four times
    // the size, for the whole stream.
    this.flows = [...this.flows, flow];
    return () => {
      this.flows = this.flows.filter((f) => f !== flow);
    };
  }

  async pump(source: TurnSource): Promise<void> {
    let endedEarly = false;
    try {
      this.builder.start();
      this.checkStrict();
      for (;;) {
        // One backend turn into the builder. The stream lives in this local and in `source` only,
        // both cleared when the turn ends, so that a session waiting for tool outputs (C1) keeps
        // no reference to the finished one (memory per idle session, E8): a suspended async frame
        // keeps its registers. Not a function of its own: that would be a second suspended frame
        // per open stream.
        let iterator: AsyncIterator<BuilderPart> | null = (source.parts as AsyncIterable<BuilderPart>)[
          Symbol.asyncIterator
        ]();
        source.parts = null;
        source.iterator = iterator;
        while (!this.builder.done) {
          // E8: a client that has not taken what was sent holds the next read, and so the backend.
          let wait = this.flows.length === 0 ? undefined : this.blockingFlow();
          while (wait !== undefined && !this.builder.done) {
            await Promise.race([wait, this.finished]);
            wait = this.blockingFlow();
          }
          if (this.builder.done) break;
          const next: IteratorResult<BuilderPart> = await iterator.next();
          if (next.done) {
            source.iterator = null;
            break;
          }
          const part = next.value;
          if (part.type === 'error') this.options.onBackendError?.(part.error.code);
          this.builder.push(part);
          this.checkStrict();
        }
        iterator = null;
        const awaitOutputs = this.hooks.awaitToolOutputs;
        if (this.builder.done || !awaitOutputs || this.builder.turnFinishReason !== 'tool_calls') break;
        // Session mode: wait for the tool outputs, then the next backend turn feeds the same builder.
        const goOn = await awaitOutputs(this, (item) => this.builder.appendItem(item), this.backend.signal);
        if (!goOn || this.builder.done) break;
        // The next turn passes the same stream wrapper as the first (model-mode summaries, H3).
        source.parts = this.surface.wrapParts(await this.startNextTurn(), this.adapter);
        if (this.builder.done) break;
        this.builder.continueAfterToolCalls();
      }
      if (this.builder.done) endedEarly = true;
      else
        this.builder.end(() =>
          errors.backendProtocol('The backend stream ended before a finish reason (truncated response).'),
        );
    } catch (error) {
      // After cancel() the adapter's iterator typically throws its abort: nothing left to report.
      if (!this.builder.done) this.builder.fail(toGatewayError(error));
    } finally {
      // Safety net: whatever happened, the response ends with a terminal event.
      if (!this.builder.done) this.builder.fail(errors.internal());
    }
    if (endedEarly) {
      // Ended before the backend did (error part, strict violation, cancel): stop the generation.
      if (!this.backend.signal.aborted) this.backend.abort(new Error('response ended'));
      await source.iterator?.return?.().catch(() => undefined);
    }
  }

  /**
   * Session mode (C1): the next backend turn is the conversation so far plus this response's
   * output (its function calls and their outputs), translated like the first turn.
   */
  private startNextTurn(): Promise<AsyncIterable<ModelPart>> {
    const input = [...inputAsItems(this.request.input), ...this.builder.snapshot().output];
    // A client's request: a spread copies any key as data (Object.assign would run a `__proto__`
    // setter), then the input is replaced.
    const next = { ...this.request };
    next.input = input as CreateResponseRequest['input'];
    return this.adapter.stream(backendRequest(next, this.options, this.catalog), {
      signal: this.backend.signal,
      requestId: this.options.requestId,
    });
  }

  /** The wait of the first client that cannot take more now, if any. */
  private blockingFlow(): Promise<void> | undefined {
    for (const flow of this.flows) {
      const wait = flow.whenWritable();
      if (wait !== undefined) return wait;
    }
    return undefined;
  }

  /** 'strict' validation: the first violation fails the response, if it is still running. */
  private checkStrict(): void {
    const violation = this.emitter.strictViolation;
    if (!violation || this.builder.done) return;
    this.builder.fail(
      errors.internal(`The gateway produced an invalid event stream (${violation.rule}: ${violation.message}).`),
    );
  }

  private onTerminal(response: ResponseObject): void {
    this.emitter.finish();
    this.callerAbort.detach();
    this.resolveFinished(response);
  }
}

function toGatewayError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  return errors.backendProtocol(`The backend stream failed: ${(error as Error)?.message ?? String(error)}`);
}
