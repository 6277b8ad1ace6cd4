/**
 * One planned response (RunPlan): the request its backend sees, the run's hooks (encrypted
 * reasoning, session mode, the start gate of a store over the network), and `attach`, which wires
 * the started run to the store (saved at creation and at its terminal state), the background
 * registry, its session and the cluster.
 *
 * Event taps: a background run's events are buffered once, by BackgroundRuns (its one tap on the
 * run: there is no client writer while it runs); the Redis relay reads them from that buffer as a
 * follower (engine/background-runs.ts), like a client that resumes the stream.
 */
import { onNewEvents, type BackgroundEntry, type BackgroundRuns } from '../engine/background-runs.js';
import type { ResponseObject, ResponseRun } from '../engine/contract.js';
import type { PreparedRequest, ReasoningSealer } from '../engine/conversation.js';
import type { RunHooks } from '../engine/response-run.js';
import { detached } from '../engine/contain.js';
import { failedWith, withStatus } from '../engine/response-object.js';
import type { Logger } from '../logging/logger.js';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import { isGatewayError, type GatewayError } from '../shared/protocol/errors.js';
import type { FinalSave, GatewayStore } from '../store/contract.js';
import { asConversationItem } from '../store/conversations-store.js';
import type { ClusterCoordinator } from '../cluster/coordinator.js';
import type { SessionManager } from '../sessions/manager.js';
import { ownerScope, type Principal } from '../tenancy/owner.js';
import { storeRetryDelayMs } from '../store/retry-delay.js';

/** Process-wide counters of the stateful features (E7: tool arguments that are not valid JSON). */
export const stateMetrics = { invalidToolArguments: 0, storeWriteFailures: 0 };

export interface PlanContext {
  requestId: string;
  /** Session mode (C1) was asked for (and the request streams). */
  session: boolean;
  log: Logger;
  /** Who the request acts as (tenancy): owner of the response, its session and its sealed reasoning. */
  principal: Principal;
  /**
   * The conversation of `previous_response_id` held by the caller, when that response is not in
   * the store (a WebSocket connection's local state of a `store: false` chain).
   */
  history?: Record<string, unknown>[] | undefined;
}

export interface RunPlan {
  /** The request the backend sees (history expanded, encrypted reasoning opened). */
  readonly request: CreateResponseRequest;
  readonly hooks: RunHooks;
  /**
   * Wires a started run to the store, the background registry and its session. Rejects (and
   * cancels the run before its first event) when the initial save fails, e.g. a full store.
   */
  attach(run: ResponseRun): Promise<void>;
  /** The final Response as the client gets it (encrypted reasoning added when asked). */
  present(response: ResponseObject): ResponseObject;
  /**
   * Why the final state could not be stored (a full disk), once the final saves were flushed:
   * the client must then be told that instead of the response's end.
   */
  readonly saveError: GatewayError | null;
}

export interface PlanDeps {
  store: GatewayStore;
  background: BackgroundRuns;
  sessions: SessionManager;
  cluster: ClusterCoordinator | null;
  pending: PendingWrites;
}

/**
 * Writes started when a response ends that are not final saves (a conversation's appended items):
 * flushFinalSaves() waits for them too, so a client told a response is complete finds its items.
 */
export class PendingWrites {
  private readonly writes = new Set<Promise<void>>();

  /** `write` never rejects (its failures are logged where it was made). */
  track(write: Promise<void>): void {
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write)).catch(() => undefined);
  }

  async settled(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }
}

/**
 * One planned response. A class rather than closures: a session waiting for tool outputs keeps
 * this object for its whole life, and per-response closures (each with its own scope) cost more
 * than one object with shared methods (memory per idle session, E8).
 */
export class PlannedRun implements RunPlan {
  readonly request: CreateResponseRequest;
  readonly hooks: RunHooks = {};
  /** This request's own input items; dropped once saved with the response. */
  private inputItems: Record<string, unknown>[] | null;
  /** In a conversation: its id and this request's input items, appended with the output at the end. */
  private readonly conversation: { id: string; input: Record<string, unknown>[] } | null;
  /**
   * `{ previousResponseId: null }` when saved without a stored link (its input items hold the
   * whole conversation), else nothing: spread into each save.
   */
  private link: { previousResponseId?: null } = {};
  /** Opens the run's start gate (a store over the network: after the initial save). */
  private openGate: (() => void) | null = null;
  saveError: GatewayError | null = null;

  constructor(
    private readonly deps: PlanDeps,
    private readonly original: CreateResponseRequest,
    prepared: PreparedRequest,
    private readonly ctx: PlanContext,
    private readonly sealer: ReasoningSealer | undefined,
  ) {
    this.request = prepared.request;
    if (prepared.conversationId !== undefined) {
      // Ids now, so the stored response's input_items and the conversation's items agree.
      const input = prepared.inputItems.map(asConversationItem);
      this.conversation = { id: prepared.conversationId, input };
      this.inputItems = input;
    } else {
      this.conversation = null;
      this.inputItems = prepared.inputItems;
    }
    // Continuing a response that is not stored (a WebSocket's store:false chain): a stored response
    // keeps the whole conversation as its input, with no link to walk, so that it can be continued
    // from anywhere (another socket, HTTP) like any stored response.
    if (ctx.history !== undefined && original.store !== false) {
      this.inputItems = [...ctx.history, ...(this.inputItems ?? [])];
      this.link = { previousResponseId: null };
    }
    if (sealer) this.hooks.decorate = sealer.decorate;
    if (ctx.session) this.hooks.awaitToolOutputs = deps.sessions.awaitToolOutputs;
    // The embedded store saves synchronously inside attach(): no gate, the run starts as it always did.
    if (deps.store.kind !== 'sqlite' && original.store !== false)
      this.hooks.startGate = new Promise<void>((resolve) => (this.openGate = resolve));
  }

  present(response: ResponseObject): ResponseObject {
    this.sealer?.sealResponse(response);
    return response;
  }

  async attach(run: ResponseRun): Promise<void> {
    const { store, background, sessions } = this.deps;
    const stored = this.original.store !== false;
    const isBackground = this.original.background === true;
    if (stored) {
      // Saved now, before the first event, so that a full store is a 429 to this client
      // (storage_quota_exceeded) rather than a response that silently is not kept.
      const initial = run.snapshot();
      try {
        await store.responses.saveResponse({
          response: isBackground ? withStatus(initial, 'queued') : initial,
          inputItems: this.inputItems ?? [],
          requestId: this.ctx.requestId,
          owner: this.owner,
          ...this.link,
        });
      } catch (err) {
        run.cancel('cancelled');
        throw err;
      } finally {
        this.openGate?.();
        this.openGate = null;
      }
    }
    this.inputItems = null;
    const entry = isBackground ? background.track(run, this.owner) : null;
    if (this.deps.cluster && (isBackground || this.ctx.session)) this.share(run, this.deps.cluster, entry);
    if (this.ctx.session) sessions.attach(run, this.owner);
    detached(
      run.finished.then((final) => this.finish(run, final, stored)),
      'saving a finished response',
      (err, where) => this.log(run).error(`${where} failed`, { err }),
    );
  }

  /**
   * Other instances learn that this one holds the response (tool outputs, cancel and state are
   * forwarded here) and, for a background run, can replay and follow its events from Redis: each
   * event is relayed as it enters the run's replay buffer.
   */
  private share(run: ResponseRun, cluster: ClusterCoordinator, background: BackgroundEntry | null): void {
    cluster.claim(run.id);
    let lastSeq = -1;
    let relayFailed = false;
    const reportRelay = (err: unknown): void => {
      if (relayFailed) return;
      relayFailed = true;
      this.log(run).warn('relaying background events to redis failed', { err });
    };
    const unsubscribe = background
      ? onNewEvents(background, (event) => {
          if (!event) return;
          lastSeq = event.sequence_number;
          cluster.relayEvent(run.id, event).catch(reportRelay);
        })
      : () => undefined;
    detached(
      run.finished.then(async () => {
        unsubscribe();
        if (background) await cluster.endRelay(run.id, lastSeq).catch(reportRelay);
        cluster.release(run.id);
      }),
      'releasing a shared response',
      (err, where) => this.log(run).error(`${where} failed`, { err }),
    );
  }

  private finish(run: ResponseRun, final: ResponseObject, stored: boolean): void {
    const invalid = run.invalidArgumentCallIds;
    if (invalid.length > 0) {
      // E7: delivered verbatim, flagged here, in the metric, and in the session state endpoint.
      stateMetrics.invalidToolArguments += invalid.length;
      this.log(run).warn('function call arguments are not valid JSON (delivered verbatim)', { callIds: invalid });
    }
    if (this.conversation && final.status === 'completed')
      this.deps.pending.track(this.appendToConversation(run, final));
    if (!stored) return;
    const job: FinalSave = {
      input: {
        response: this.present(final),
        owner: this.owner,
        ...this.link,
      },
      onError: (err) => {
        stateMetrics.storeWriteFailures++;
        this.log(run).error('storing the response failed', { responseId: run.id, err });
        if (!isGatewayError(err)) return;
        this.saveError = err;
        // A client waiting for the end is told this failure instead: the store keeps saying the
        // same once it can (a save the disk refused is tried again). A background run's client
        // reads the store: its real end is kept.
        if (this.original.background !== true) job.input = { ...job.input, response: failedWith(final, err) };
      },
    };
    this.deps.store.responses.queueFinalSave(job);
  }

  /**
   * A completed response in a conversation adds its input items, then its output items (even with
   * store: false: the conversation is where the caller asked the items to be kept).
   */
  private async appendToConversation(run: ResponseRun, final: ResponseObject, attempt = 0): Promise<void> {
    const { id, input } = this.conversation!;
    const items = [...input, ...(final.output as unknown as Record<string, unknown>[])];
    try {
      const scope = ownerScope(this.ctx.principal);
      const added = await this.deps.store.conversations.appendItems(id, items, scope, run.id);
      if (!added)
        this.log(run).warn('the conversation was deleted before the response completed', { conversation: id });
    } catch (err) {
      if (attempt === 0) {
        stateMetrics.storeWriteFailures++;
        this.log(run).error('appending to the conversation failed', { conversation: id, err });
      }
      // The store is away: the items are added once it is back (the store adds a response's items
      // once), so the conversation keeps the turn its client was told completed. The client's
      // terminal event waits for the first try only.
      if (isGatewayError(err) && err.code === 'store_unavailable') {
        const delay = storeRetryDelayMs(attempt);
        setTimeout(() => void this.appendToConversation(run, final, attempt + 1), delay).unref();
      }
    }
  }

  private get owner(): string {
    return this.ctx.principal.owner;
  }

  /** Made when something is logged: a waiting session does not keep a logger of its own. */
  private log(run: ResponseRun): Logger {
    return this.ctx.log.child({ responseId: run.id });
  }
}
