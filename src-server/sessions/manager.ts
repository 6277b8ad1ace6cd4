/**
 * Session mode (C1, C3, E2, E3, E5, E6, E7, E8): one session per live streaming response that
 * asked for it. When a model turn ends with function calls the response waits here; outputs
 * posted to `POST /v1/responses/{id}/tool_outputs` are checked, held (bounded), and once every
 * pending call is answered they are added to the response and the wait ends: the run then starts
 * its next backend turn itself, in the same response and stream (engine/response-run.ts). This
 * folder only waits; it never calls the backend.
 *
 * Eviction policy (`--responses-max-active-sessions`): a new session over the limit evicts the
 * session that has waited longest for tool outputs; if none is waiting, the oldest session, which
 * then ends when its current turn ends. A victim ends with `error` + `response.failed`, code
 * `session_evicted`. A wait longer than `--responses-tool-timeout` ends the same way with code
 * `tool_outputs_timeout` (E2). The session goes away with its response (finished, cancelled, or
 * the client disconnected, which also aborts the backend: E5).
 */
import type { CancelSignal } from '../cancel/cancel.js';
import type { ResponseObject, ResponseRun } from '../engine/contract.js';
import type { RunHooks } from '../engine/response-run.js';
import { contained, detached } from '../engine/contain.js';
import { newFunctionCallOutputId } from '../ids/ids.js';
import { reportTo, type FailureReporter, type Logger } from '../logging/logger.js';
import { errors, type GatewayError } from '../shared/protocol/errors.js';
import { parseToolOutputs, type ToolOutput } from './tool-outputs.js';
import { ANONYMOUS_OWNER } from '../tenancy/owner.js';

export interface SessionLimits {
  /** Seconds a response waits for tool outputs; 0 = forever. */
  toolTimeoutSeconds: number;
  maxActiveSessions: number;
  /** Bytes of outputs one session may hold while it waits. */
  sessionBufferMaxBytes: number;
  /** Bytes of outputs all sessions may hold together. */
  totalBufferMaxBytes: number;
}

type AwaitToolOutputs = NonNullable<RunHooks['awaitToolOutputs']>;

/**
 * A session waiting for tool outputs. Also its own abort listener (`handleEvent`), so that a
 * waiting session holds no listener closure of its own (memory per idle session, E8).
 */
class Waiter {
  timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly manager: SessionManager,
    private readonly session: Session,
    /** true: the outputs were added, the run goes on; false: it ends as it stands. */
    readonly resolve: (goOn: boolean) => void,
    readonly reject: (error: GatewayError) => void,
    readonly append: (item: ResponseObject['output'][number]) => void,
    readonly signal: CancelSignal,
  ) {}

  /** The response was aborted (client gone, cancelled): it ends as it stands. */
  handleEvent(): void {
    this.manager.endWaitOf(this.session);
  }
}

interface Session {
  readonly id: string;
  /** Owner id of the key that started it (tenancy); other keys see no session. */
  readonly owner: string;
  readonly createdAt: number;
  readonly run: ResponseRun;
  /** Calls of the current turn, in output order, and the outputs received so far. */
  pending: Map<string, ToolOutput | undefined>;
  /** Every call_id answered during this response (a second answer is a 409, E6); made on the first. */
  answered: Set<string> | null;
  waitingSince: number | null;
  bufferBytes: number;
  evicted: boolean;
  waiter: Waiter | null;
  turns: number;
}

export interface SessionState {
  id: string;
  object: 'response.session';
  status: 'waiting' | 'generating';
  waiting_since: number | null;
  pending_call_ids: string[];
  answered_call_ids: string[];
  /** Function calls whose arguments are not valid JSON, delivered verbatim (E7). */
  invalid_argument_call_ids: string[];
  buffered_bytes: number;
  turns: number;
}

export interface SubmitResult {
  id: string;
  object: 'response.tool_outputs';
  accepted_call_ids: string[];
  pending_call_ids: string[];
  /** True when this submission completed the set and generation resumed. */
  resumed: boolean;
}

export const sessionMetrics = { evicted: 0, timedOut: 0, resumed: 0 };

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private totalBytes = 0;
  /** Runs evicted while generating: they fail when their current turn ends. */
  private readonly evictedRuns = new WeakSet<ResponseRun>();

  /** Failures of the sessions' timers and reactions, through the gateway's logger. */
  private readonly report: FailureReporter;

  constructor(
    private readonly limits: SessionLimits,
    logger: Logger,
  ) {
    this.report = reportTo(logger);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Sessions whose stream is open and idle, waiting for tool outputs (scraped, not kept: O(n) is fine). */
  get waiting(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.waiter) n++;
    return n;
  }

  /** RunHooks.awaitToolOutputs for session-mode runs (one for all); call `attach` with the run right after it starts. */
  readonly awaitToolOutputs: AwaitToolOutputs = (run, append, signal) => this.waitForOutputs(run, append, signal);

  attach(run: ResponseRun, owner: string = ANONYMOUS_OWNER): void {
    if (this.limits.maxActiveSessions > 0 && this.sessions.size >= this.limits.maxActiveSessions) this.evictOne();
    const session: Session = {
      id: run.id,
      owner,
      createdAt: Date.now(),
      run,
      pending: new Map(),
      answered: null,
      waitingSince: null,
      bufferBytes: 0,
      evicted: false,
      waiter: null,
      turns: 1,
    };
    this.sessions.set(run.id, session);
    detached(
      run.finished.then(() => this.remove(session)),
      'removing a finished session',
      this.report,
    );
  }

  /**
   * Tenancy: with an owner, another owner's session is absent from every read below, exactly like
   * one that does not exist; undefined sees every owner's (admins).
   */
  has(id: string, owner?: string): boolean {
    return this.find(id, owner) !== undefined;
  }

  /** The live Response of a session (the stored copy lags behind while it waits). */
  snapshot(id: string, owner?: string): ResponseObject | null {
    return this.find(id, owner)?.run.snapshot() ?? null;
  }

  private find(id: string, owner: string | undefined): Session | undefined {
    const s = this.sessions.get(id);
    return s && (owner === undefined || s.owner === owner) ? s : undefined;
  }

  state(id: string, owner?: string): SessionState | null {
    const s = this.find(id, owner);
    if (!s) return null;
    return {
      id: s.id,
      object: 'response.session',
      status: s.waiter ? 'waiting' : 'generating',
      waiting_since: s.waitingSince === null ? null : Math.floor(s.waitingSince / 1000),
      pending_call_ids: [...s.pending].filter(([, v]) => v === undefined).map(([k]) => k),
      answered_call_ids: s.answered ? [...s.answered] : [],
      invalid_argument_call_ids: [...s.run.invalidArgumentCallIds],
      buffered_bytes: s.bufferBytes,
      turns: s.turns,
    };
  }

  /**
   * Tool outputs for a waiting session. Checked as a whole before anything is kept: one bad
   * entry rejects the submission and the session stays as it was.
   */
  submit(id: string, body: unknown, bodyBytes: number, owner?: string): SubmitResult {
    const s = this.find(id, owner);
    if (!s) throw errors.responseNotFound(id);
    if (!s.waiter) throw errors.conflict('response_not_waiting', `Response '${id}' is not waiting for tool outputs.`);
    const outputs = parseToolOutputs(body);
    const seen = new Set<string>();
    outputs.forEach((o, i) => {
      const param = `tool_outputs[${i}].call_id`;
      if (s.answered?.has(o.call_id) || seen.has(o.call_id))
        throw errors.conflict(
          'duplicate_call_id',
          `An output for call_id '${o.call_id}' was already submitted; the first submission wins.`,
          param,
        );
      if (!s.pending.has(o.call_id))
        throw errors.invalidValue(param, `Response '${id}' is not waiting for a call with call_id '${o.call_id}'.`);
      seen.add(o.call_id);
    });
    if (s.bufferBytes + bodyBytes > this.limits.sessionBufferMaxBytes)
      throw errors.requestTooLarge(this.limits.sessionBufferMaxBytes, 'tool_outputs');
    if (this.totalBytes + bodyBytes > this.limits.totalBufferMaxBytes)
      throw errors.requestTooLarge(this.limits.totalBufferMaxBytes, 'tool_outputs');
    s.bufferBytes += bodyBytes;
    this.totalBytes += bodyBytes;
    s.answered ??= new Set();
    for (const o of outputs) {
      s.pending.set(o.call_id, o);
      s.answered.add(o.call_id);
    }
    const remaining = [...s.pending].filter(([, v]) => v === undefined).map(([k]) => k);
    if (remaining.length === 0) this.resume(s);
    return {
      id,
      object: 'response.tool_outputs',
      accepted_call_ids: outputs.map((o) => o.call_id),
      pending_call_ids: remaining,
      resumed: remaining.length === 0,
    };
  }

  private waitForOutputs(run: ResponseRun, append: Waiter['append'], signal: CancelSignal): Promise<boolean> {
    const s = this.sessions.get(run.id);
    if (!s || s.evicted) {
      if (!this.evictedRuns.has(run)) return Promise.resolve(false);
      return Promise.reject(errors.sessionEvicted(this.limits.maxActiveSessions));
    }
    const output = run.snapshot().output;
    const answered = new Set(
      output.filter((i) => i.type === 'function_call_output').map((i) => (i as { call_id: string }).call_id),
    );
    s.pending = new Map();
    for (const item of output) {
      if (item.type === 'function_call' && !answered.has(item.call_id)) s.pending.set(item.call_id, undefined);
    }
    if (s.pending.size === 0 || signal.aborted) return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      const waiter = new Waiter(this, s, resolve, reject, append, signal);
      const seconds = this.limits.toolTimeoutSeconds;
      if (seconds > 0) {
        waiter.timer = setTimeout(
          contained(
            'ending a tool-output wait',
            () => {
              sessionMetrics.timedOut++;
              this.endWait(s, errors.toolOutputsTimeout(seconds));
            },
            this.report,
          ),
          seconds * 1000,
        );
        waiter.timer.unref();
      }
      signal.addEventListener('abort', waiter, { once: true });
      s.waiter = waiter;
      s.waitingSince = Date.now();
    });
  }

  /** Every pending call is answered: outputs become items, and the run starts its next turn. */
  private resume(s: Session): void {
    const waiter = s.waiter;
    if (!waiter) return;
    this.clearWait(s);
    for (const [callId, o] of s.pending) {
      waiter.append({
        type: 'function_call_output',
        id: newFunctionCallOutputId(),
        call_id: callId,
        output: (o as ToolOutput).output,
        status: 'completed',
      } as ResponseObject['output'][number]);
    }
    this.releaseBuffer(s);
    s.pending = new Map();
    s.turns++;
    sessionMetrics.resumed++;
    waiter.resolve(true);
  }

  /** The waiting response was aborted (Waiter.handleEvent): it ends as it stands. */
  endWaitOf(s: Session): void {
    this.endWait(s, null);
  }

  /** Ends a wait: null ends the response as it stands, an error fails it with that code. */
  private endWait(s: Session, outcome: GatewayError | null): void {
    const waiter = s.waiter;
    if (!waiter) return;
    this.clearWait(s);
    this.releaseBuffer(s);
    if (outcome) waiter.reject(outcome);
    else waiter.resolve(false);
  }

  private clearWait(s: Session): void {
    const waiter = s.waiter;
    if (!waiter) return;
    if (waiter.timer) clearTimeout(waiter.timer);
    waiter.signal.removeEventListener('abort', waiter);
    s.waiter = null;
    s.waitingSince = null;
  }

  private releaseBuffer(s: Session): void {
    this.totalBytes -= s.bufferBytes;
    s.bufferBytes = 0;
  }

  private evictOne(): void {
    let victim: Session | undefined;
    for (const s of this.sessions.values()) {
      if (s.waitingSince !== null && (victim === undefined || s.waitingSince < (victim.waitingSince ?? Infinity)))
        victim = s;
    }
    // Nobody waits: the oldest session (Map order is insertion order).
    victim ??= this.sessions.values().next().value;
    if (!victim) return;
    sessionMetrics.evicted++;
    victim.evicted = true;
    this.evictedRuns.add(victim.run);
    // Counted out now so the new session fits; a generating victim ends when its turn ends.
    this.sessions.delete(victim.id);
    this.endWait(victim, errors.sessionEvicted(this.limits.maxActiveSessions));
  }

  private remove(s: Session): void {
    this.clearWait(s);
    this.releaseBuffer(s);
    if (this.sessions.get(s.id) === s) this.sessions.delete(s.id);
  }

  /** Ends every waiting session (gateway shutdown). */
  closeAll(): void {
    for (const s of this.sessions.values()) this.endWait(s, null);
  }
}
