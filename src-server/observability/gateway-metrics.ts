/**
 * The gateway's Prometheus metrics (docs/observability.md), one prom-client Registry per gateway
 * so that several gateways in one process (desktop profiles, tests) never share series. Streaming
 * is counted per response, not per event: the number of events written is read from the client's
 * writer (SSE or WebSocket) when the stream ends. Time to first event is the one metric that taps
 * the run itself (removing the tap after one event): it measures the engine in every mode, and a
 * JSON or background answer writes no events (docs/layers.md#who-watches-a-responses-events). Gauges that
 * mirror state (store size, sessions, background runs) are read when scraped.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BackendAdapter, ModelInfo, ModelPart, ModelRequest, StreamOptions } from '../backends/contract.js';
import type { CancelSignal } from '../cancel/cancel.js';
import { engineMetrics } from '../engine/event-emitter.js';
import type { ResponseRun } from '../engine/contract.js';
import type { ResponseMode } from '../engine/responses-service.js';
import type { RecordingService } from '../recording/service.js';
import { sessionMetrics } from '../sessions/manager.js';
import type { StateService } from '../state/service.js';
import { detached } from '../engine/contain.js';
import { reportTo, type Logger } from '../logging/logger.js';

/** Header with the gateway's own share of a non-streaming response's time. */
export const OVERHEAD_HEADER = 'x-responses-gateway-overhead-ms';

export interface MetricSources {
  /** Streams in flight. */
  activeStreams: () => number;
  /** The gateway's logger (failures of the metrics' own callbacks). */
  logger: Logger;
  /** Bytes all streams hold unsent for slow clients (E8). */
  streamUnsentBytes?: () => number;
  state: StateService;
  recording: RecordingService;
  /** This instance's id when it is one of several (docs/deploy.md). */
  instance?: string;
}

const PREFIX = 'responses_gateway_';
/** Seconds; time to first event spans backend queueing, so the buckets reach a minute. */
const TTFE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds; gateway overhead is normally well under a millisecond per response. */
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly responses: Counter<'status' | 'mode'>;
  private readonly ttfe: Histogram;
  private readonly overhead: Histogram;
  private readonly events: Counter;
  private readonly backendErrors: Counter<'code'>;
  private readonly rateLimited: Counter;
  private readonly invalidArguments: Counter;
  private readonly hostedToolsOmitted: Counter<'type'>;

  private readonly report: ReturnType<typeof reportTo>;

  constructor(sources: MetricSources) {
    this.report = reportTo(sources.logger);
    const registers = [this.registry];
    const name = (n: string): string => PREFIX + n;
    this.requests = new Counter({
      name: name('http_requests_total'),
      help: 'HTTP requests answered, by method, matched route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.responses = new Counter({
      name: name('responses_total'),
      help: 'Responses that reached a terminal state, by final status and how they were served.',
      labelNames: ['status', 'mode'],
      registers,
    });
    this.ttfe = new Histogram({
      name: name('time_to_first_event_seconds'),
      help: 'Time from the request arriving to the first event of its response (response.created).',
      buckets: TTFE_BUCKETS,
      registers,
    });
    this.overhead = new Histogram({
      name: name('overhead_seconds'),
      help: `Gateway processing time of non-streaming responses, excluding time waiting for the backend (the ${OVERHEAD_HEADER} header).`,
      buckets: OVERHEAD_BUCKETS,
      registers,
    });
    this.events = new Counter({
      name: name('sse_events_written_total'),
      help: 'SSE events written to clients of streaming responses.',
      registers,
    });
    this.backendErrors = new Counter({
      name: name('backend_errors_total'),
      help: 'Backend failures (before or during generation), by gateway error code.',
      labelNames: ['code'],
      registers,
    });
    this.rateLimited = new Counter({
      name: name('rate_limit_rejections_total'),
      help: 'Requests refused with 429 rate_limit_exceeded.',
      registers,
    });
    this.invalidArguments = new Counter({
      name: name('invalid_tool_arguments_total'),
      help: 'Function calls whose arguments were not valid JSON, delivered verbatim (E7).',
      registers,
    });
    this.hostedToolsOmitted = new Counter({
      name: name('hosted_tools_omitted_total'),
      help: 'Hosted tools left out of requests under --responses-hosted-tools omit, by tool type.',
      labelNames: ['type'],
      registers,
    });
    const gauge = (n: string, help: string, read: () => number | Promise<number>): void => {
      new Gauge({
        name: name(n),
        help,
        registers,
        async collect() {
          // A store that cannot be reached keeps the last value rather than failing the scrape.
          try {
            this.set(await read());
          } catch {
            // Reported by /healthz.
          }
        },
      });
    };
    gauge('active_streams', 'Streaming responses in flight.', sources.activeStreams);
    const unsent = sources.streamUnsentBytes;
    if (unsent)
      gauge('stream_unsent_bytes', 'Bytes written to streams that their clients have not read yet (E8).', unsent);
    // Process-wide engine and session counters: one value per process, shown by every gateway in it.
    const processCounter = (n: string, help: string, read: () => number): void => {
      new Counter({
        name: name(n),
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    };
    processCounter(
      'stream_violations_total',
      'Stream-validator violations in outgoing events (process-wide).',
      () => engineMetrics.streamViolations,
    );
    processCounter(
      'sessions_evicted_total',
      'Session-mode responses evicted (process-wide).',
      () => sessionMetrics.evicted,
    );
    processCounter(
      'sessions_timed_out_total',
      'Session-mode responses that waited too long for tool outputs (process-wide).',
      () => sessionMetrics.timedOut,
    );
    const state = sources.state;
    if (sources.instance) {
      // One of several instances: which one this is, and what it shares with the others.
      new Gauge({
        name: name('instance_info'),
        help: 'This gateway instance (value 1): its id, store engine and whether Redis coordinates it.',
        labelNames: ['instance', 'store', 'redis'],
        registers,
      }).set({ instance: sources.instance, store: state.store.kind, redis: String(state.cluster !== null) }, 1);
      gauge('redis_available', 'Redis reachable by this instance (1) or not (0).', () =>
        state.cluster?.available ? 1 : 0,
      );
    }
    gauge(
      'sessions_active',
      'Live session-mode responses (generating or waiting for tool outputs).',
      () => state.sessions.size,
    );
    gauge('sessions_waiting', 'Session-mode responses waiting for tool outputs (C1).', () => state.sessions.waiting);
    gauge('background_runs', 'Background responses still running.', () => state.background.live().length);
    gauge(
      'store_responses',
      'Responses in the response store.',
      async () => (await state.store.responses.stats()).count,
    );
    gauge(
      'store_bytes',
      'Bytes of response JSON in the response store.',
      async () => (await state.store.responses.stats()).bytes,
    );
    const recordings = sources.recording.recordings;
    gauge('recordings', 'Recordings in the library.', async () => (await recordings.totals()).count);
    gauge('recordings_bytes', 'Bytes of recordings in the library.', async () => (await recordings.totals()).bytes);
  }

  /** One answered HTTP request; `route` is the matched pattern (bounded label values). */
  request(method: string, route: string, status: number): void {
    this.requests.inc({ method, route, status: String(status) });
  }

  /** An error answered by the server (rate-limit refusals are counted here). */
  error(code: unknown): void {
    if (code === 'rate_limit_exceeded') this.rateLimited.inc();
  }

  /** A backend failure by code: a refused request here, an `error` part via RunOptions.onBackendError. */
  readonly backendError = (code: string): void => {
    this.backendErrors.inc({ code });
  };

  /** Hosted tools a request offered that the gateway left out (shared/protocol/hosted-tools.ts). */
  countOmittedTools(types: readonly string[]): void {
    for (const type of types) this.hostedToolsOmitted.inc({ type });
  }

  /** Observes one create request (HTTP or WebSocket): times its backend and counts its run. */
  begin(backend: BackendAdapter, startedAt: number, mode: ResponseMode): RequestObservation {
    return new RequestObservation(this, backend, startedAt, mode);
  }

  /** @internal RequestObservation reports here. */
  runStarted(run: ResponseRun, mode: ResponseMode): void {
    this.timeFirstEvent(run);
    this.countWhenFinished(run, mode);
  }

  // Two methods, not one: closures made in one call share its scope, and the finished-count
  // closure, which lives as long as the run, would keep the first-event tap and its remover too.
  private timeFirstEvent(run: ResponseRun): void {
    const off = run.onEvent((_event, offsetMs) => {
      off();
      // Observed once this tick's work is done: the transport writes the first events first.
      queueMicrotask(() => {
        try {
          this.ttfe.observe(offsetMs / 1000);
        } catch (err) {
          this.report(err, 'observing the time to first event');
        }
      });
    });
  }

  private countWhenFinished(run: ResponseRun, mode: ResponseMode): void {
    detached(
      run.finished.then((final) => {
        this.responses.inc({ status: final.status ?? 'unknown', mode });
        const invalid = run.invalidArgumentCallIds.length;
        if (invalid > 0) this.invalidArguments.inc(invalid);
      }),
      'counting a finished response',
      this.report,
    );
  }

  /** @internal */
  streamEnded(events: number): void {
    if (events > 0) this.events.inc(events);
  }

  /** @internal */
  overheadObserved(ms: number): void {
    this.overhead.observe(ms / 1000);
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The same values as JSON (prom-client's shape: name, help, type, values[{labels, value}]). */
  json(): Promise<unknown> {
    return this.registry.getMetricsAsJSON();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * One create request: a backend wrapper that adds up the time spent waiting for the backend (the
 * call that starts generation, and for a JSON answer every wait for the next part) and counts a
 * refused call; `error` parts of the stream are counted by the run (RunOptions.onBackendError).
 */
export class RequestObservation {
  /** Milliseconds spent waiting for the backend so far (every part's wait only for a JSON answer). */
  backendWaitMs = 0;
  readonly backend: BackendAdapter;

  constructor(
    private readonly metrics: GatewayMetrics,
    base: BackendAdapter,
    private readonly startedAt: number,
    private readonly mode: ResponseMode,
  ) {
    // A class per capability rather than an object of closures: a request keeps one small object.
    this.backend = base.countTokens ? new CountingObservedBackend(this, base) : new ObservedBackend(this, base);
  }

  /** @internal ObservedBackend: one call to the backend, timed and its refusal counted. */
  async timedStream(
    base: BackendAdapter,
    request: ModelRequest,
    options: StreamOptions,
  ): Promise<AsyncIterable<ModelPart>> {
    const t0 = performance.now();
    try {
      const parts = await base.stream(request, options);
      // Only a JSON answer reports its overhead: a streamed one gets the backend's stream as it
      // is, with no wrapper and no clock per part.
      return this.mode === 'json' ? this.timed(parts) : parts;
    } catch (err) {
      this.metrics.backendError(codeOf(err));
      throw err;
    } finally {
      this.backendWaitMs += performance.now() - t0;
    }
  }

  started(run: ResponseRun): void {
    this.metrics.runStarted(run, this.mode);
  }

  streamEnded(events: number): void {
    this.metrics.streamEnded(events);
  }

  /** Call right before answering: records the overhead and returns its header. */
  overheadHeaders(): Record<string, string> {
    const ms = Math.max(0, performance.now() - this.startedAt - this.backendWaitMs);
    this.metrics.overheadObserved(ms);
    return { [OVERHEAD_HEADER]: ms.toFixed(1) };
  }

  private timed(parts: AsyncIterable<ModelPart>): AsyncIterable<ModelPart> {
    return {
      [Symbol.asyncIterator]: () => {
        const it = parts[Symbol.asyncIterator]();
        const iterator: AsyncIterator<ModelPart> = {
          next: () => {
            const t0 = performance.now();
            return it.next().then((r) => {
              this.backendWaitMs += performance.now() - t0;
              return r;
            });
          },
        };
        if (it.return) iterator.return = (value?: unknown) => (it.return as NonNullable<typeof it.return>)(value);
        return iterator;
      },
    };
  }
}

/** The backend as one request sees it: `stream` timed and counted by its observation. */
class ObservedBackend implements BackendAdapter {
  readonly kind: string;
  readonly baseUrl: string;

  constructor(
    protected readonly observation: RequestObservation,
    protected readonly base: BackendAdapter,
  ) {
    this.kind = base.kind;
    this.baseUrl = base.baseUrl;
  }

  listModels(signal?: CancelSignal): Promise<ModelInfo[]> {
    return this.base.listModels(signal);
  }

  stream(request: ModelRequest, options: StreamOptions): Promise<AsyncIterable<ModelPart>> {
    return this.observation.timedStream(this.base, request, options);
  }
}

/** The same for a backend that counts tokens (`countTokens` only where the backend has it). */
class CountingObservedBackend extends ObservedBackend {
  countTokens(request: ModelRequest, signal?: CancelSignal): Promise<number> {
    return (this.base as Required<BackendAdapter>).countTokens(request, signal);
  }
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown';
}
