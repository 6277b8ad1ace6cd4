/**
 * The gateway's state in one value: the response store (M6), the reasoning keyring (H4), the
 * background runs and the session manager. `plan` prepares a create request (conversation,
 * hooks); `attach` wires a started run to the store (saved at creation and at its terminal state,
 * through its event tap), to the background registry and to its session.
 */
import { randomBytes } from 'node:crypto';
import type { BackendAdapter, ModelPart } from '../backends/contract.js';
import type { GatewayConfig } from '../config/flags.js';
import { ReasoningKeyring, loadOrCreateKeyring } from '../crypto/reasoning-seal.js';
import { BackgroundRuns } from '../engine/background-runs.js';
import type { ResponseObject, ResponseRun } from '../engine/contract.js';
import {
  ENCRYPTED_REASONING,
  ReasoningSealer,
  prepareConversation,
  type PreparedRequest,
} from '../engine/conversation.js';
import type { RunHooks } from '../engine/response-run.js';
import { detached } from '../engine/contain.js';
import { toModelRequest } from '../engine/translate-request.js';
import type { Logger } from '../logging/logger.js';
import { errors } from '../protocol/errors.js';
import type { CreateResponseRequest } from '../protocol/types.js';
import type { GatewayStore } from '../store/contract.js';
import { asConversationItem } from '../store/conversations-store.js';
import type { ClusterCoordinator } from '../cluster/coordinator.js';
import { SessionManager } from './manager.js';
import { ANONYMOUS, ownerScope, type Principal } from '../tenancy/owner.js';

/** Process-wide counters of the stateful features (E7: tool arguments that are not valid JSON). */
export const stateMetrics = { invalidToolArguments: 0, storeWriteFailures: 0 };

export interface RunPlan {
  /** The request the backend sees (history expanded, encrypted reasoning opened). */
  readonly request: CreateResponseRequest;
  /** Replaces what the backend sees (the context after `truncation`), for later session turns too. */
  useRequest(request: CreateResponseRequest): void;
  hooks: RunHooks;
  /**
   * Wires a started run to the store, the background registry and its session. Rejects (and
   * cancels the run before its first event) when the initial save fails, e.g. a full store.
   */
  attach(run: ResponseRun): Promise<void>;
  /** The final Response as the client gets it (encrypted reasoning added when asked). */
  present(response: ResponseObject): ResponseObject;
}

export interface PlanContext {
  requestId: string;
  /** Session mode (C1) was asked for (and the request streams). */
  session: boolean;
  backendHeaders?: Record<string, string>;
  log: Logger;
  /** Who the request acts as (tenancy): owner of the response, its session and its sealed reasoning. */
  principal?: Principal;
  /** The conversation of `previous_response_id` held by the caller (a WebSocket connection's local state). */
  history?: Record<string, unknown>[];
}

export interface StateService {
  readonly store: GatewayStore;
  /** Live coordination with other instances (--redis); null for a single instance. */
  readonly cluster: ClusterCoordinator | null;
  readonly keyring: ReasoningKeyring;
  readonly background: BackgroundRuns;
  readonly sessions: SessionManager;
  plan(request: CreateResponseRequest, ctx: PlanContext): Promise<RunPlan>;
  /** Seals reasoning items of a stored response for `include[]=reasoning.encrypted_content`, bound to its owner. */
  sealStored(response: ResponseObject, owner: string): ResponseObject;
  /**
   * Writes the final states queued so far (store/final-saves.ts batches them on a microtask). The HTTP
   * layer calls it before a client can see a response's end, so that what a client was told is
   * complete is stored — a crash right after cannot turn it into an interrupted response.
   */
  flushFinalSaves(): Promise<void>;
  /** Cancels background runs and ends session waits (shutdown), then closes the store. */
  shutdown(): Promise<void>;
}

/** The store is opened by the caller (store/open.ts picks the engine) and closed by shutdown(). */
export function createStateService(
  config: GatewayConfig,
  backend: BackendAdapter,
  logger: Logger,
  store: GatewayStore,
  cluster: ClusterCoordinator | null = null,
): StateService {
  const dataDir = config.dataDir;
  // In-memory mode: a key for the lifetime of the process (tokens die with it, like the store).
  const keyring =
    dataDir === undefined && config.reasoningEncryptionKeys.length === 0
      ? new ReasoningKeyring([randomBytes(32)])
      : loadOrCreateKeyring({ keys: config.reasoningEncryptionKeys, dataDir: dataDir ?? '.' }).keyring;
  const background = new BackgroundRuns(config.backgroundBufferMaxBytes, logger);
  const sessions = new SessionManager(
    {
      toolTimeoutSeconds: config.toolTimeoutSeconds,
      maxActiveSessions: config.maxActiveSessions,
      sessionBufferMaxBytes: config.sessionBufferMaxBytes,
      totalBufferMaxBytes: config.sessionsBufferMaxBytes,
    },
    logger,
  );
  logger.info('response store open', { store: store.kind, location: store.location, keyId: keyring.currentKeyId });

  const pending = new PendingWrites();
  const deps: PlanDeps = { store, background, sessions, backend, cluster, pending };

  const plan = async (request: CreateResponseRequest, ctx: PlanContext): Promise<RunPlan> => {
    if (request.background === true && request.store === false)
      throw errors.invalidValue(
        'background',
        'background: true needs store: true (the response is fetched later by id).',
      );
    // Live features need Redis when there are other instances (a 503 with Retry-After while it is away).
    if (cluster && ctx.session) cluster.requireAvailable('session mode');
    if (cluster && request.background === true) cluster.requireAvailable('background responses');
    const principal = ctx.principal ?? ANONYMOUS;
    const prepared = await prepareConversation(request, store, keyring, principal, { history: ctx.history });
    const sealer = request.include?.includes(ENCRYPTED_REASONING)
      ? new ReasoningSealer(keyring, request.model ?? '', principal.owner)
      : undefined;
    return new PlannedRun(deps, request, prepared, ctx, sealer);
  };

  return {
    store,
    cluster,
    keyring,
    background,
    sessions,
    plan,
    sealStored: (response, owner) => {
      new ReasoningSealer(keyring, response.model, owner).sealResponse(response);
      return response;
    },
    flushFinalSaves: async () => {
      await pending.settled();
      await store.responses.flushFinalSaves();
    },
    async shutdown() {
      sessions.closeAll();
      background.cancelAll();
      await Promise.allSettled(background.live().map((r) => r.finished));
      await pending.settled();
      // Final states of everything that just ended (one transaction on SQLite), then the store closes.
      await store.close();
    },
  };
}

interface PlanDeps {
  store: GatewayStore;
  background: BackgroundRuns;
  sessions: SessionManager;
  backend: BackendAdapter;
  cluster: ClusterCoordinator | null;
  pending: PendingWrites;
}

/**
 * Writes started when a response ends that are not final saves (a conversation's appended items):
 * flushFinalSaves() waits for them too, so a client told a response is complete finds its items.
 */
class PendingWrites {
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
class PlannedRun implements RunPlan {
  request: CreateResponseRequest;
  readonly hooks: RunHooks = {};
  /** This request's own input items; dropped once saved with the response. */
  private inputItems: Record<string, unknown>[] | null;
  /** In a conversation: its id and this request's input items, appended with the output at the end. */
  private readonly conversation: { id: string; input: Record<string, unknown>[] } | null;
  /** Opens the run's start gate (a store over the network: after the initial save). */
  private openGate: (() => void) | null = null;

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
    if (sealer) this.hooks.decorate = sealer.decorate;
    if (ctx.session) this.hooks.nextTurn = deps.sessions.nextTurn;
    // The embedded store saves synchronously inside attach(): no gate, the run starts as it always did.
    if (deps.store.kind !== 'sqlite' && original.store !== false)
      this.hooks.startGate = new Promise<void>((resolve) => (this.openGate = resolve));
  }

  useRequest(request: CreateResponseRequest): void {
    this.request = request;
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
          response: isBackground ? { ...initial, status: 'queued' } : initial,
          inputItems: this.inputItems ?? [],
          requestId: this.ctx.requestId,
          owner: this.owner,
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
    if (isBackground) background.track(run, this.owner);
    if (this.deps.cluster && (isBackground || this.ctx.session)) this.share(run, this.deps.cluster, isBackground);
    if (this.ctx.session) sessions.attach(run, (output, signal) => this.startTurn(output, signal), this.owner);
    detached(
      run.finished.then((final) => this.finish(run, final, stored)),
      'saving a finished response',
      (err, where) => this.log(run).error(`${where} failed`, { err }),
    );
  }

  /**
   * Other instances learn that this one holds the response (tool outputs, cancel and state are
   * forwarded here) and, for a background run, can replay and follow its events from Redis.
   */
  private share(run: ResponseRun, cluster: ClusterCoordinator, relay: boolean): void {
    cluster.claim(run.id);
    let lastSeq = -1;
    let relayFailed = false;
    const reportRelay = (err: unknown): void => {
      if (relayFailed) return;
      relayFailed = true;
      this.log(run).warn('relaying background events to redis failed', { err });
    };
    const unsubscribe = relay
      ? run.onEvent((event) => {
          lastSeq = event.sequence_number;
          cluster.relayEvent(run.id, event).catch(reportRelay);
        })
      : () => undefined;
    detached(
      run.finished.then(async () => {
        unsubscribe();
        if (relay) await cluster.endRelay(run.id, lastSeq).catch(reportRelay);
        cluster.release(run.id);
      }),
      'releasing a shared response',
      (err, where) => this.log(run).error(`${where} failed`, { err }),
    );
  }

  /** Session mode: the next backend turn is the conversation so far plus this response's output. */
  private startTurn(output: ResponseObject['output'], signal: AbortSignal): Promise<AsyncIterable<ModelPart>> {
    const { backendHeaders, requestId } = this.ctx;
    const next = toModelRequest(
      { ...this.request, input: [...toArray(this.request.input), ...output] as CreateResponseRequest['input'] },
      backendHeaders ? { headers: backendHeaders } : {},
    );
    return this.deps.backend.stream(next, { signal, requestId });
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
    this.deps.store.responses.queueFinalSave({
      input: { response: this.present(final), owner: this.owner },
      onError: (err) => {
        stateMetrics.storeWriteFailures++;
        this.log(run).error('storing the response failed', { responseId: run.id, err });
      },
    });
  }

  /**
   * A completed response in a conversation adds its input items, then its output items (even with
   * store: false: the conversation is where the caller asked the items to be kept).
   */
  private async appendToConversation(run: ResponseRun, final: ResponseObject): Promise<void> {
    const { id, input } = this.conversation!;
    const items = [...input, ...(final.output as unknown as Record<string, unknown>[])];
    try {
      const scope = ownerScope(this.ctx.principal ?? ANONYMOUS);
      const added = await this.deps.store.conversations.appendItems(id, items, scope, run.id);
      if (!added)
        this.log(run).warn('the conversation was deleted before the response completed', { conversation: id });
    } catch (err) {
      stateMetrics.storeWriteFailures++;
      this.log(run).error('appending to the conversation failed', { conversation: id, err });
    }
  }

  private get owner(): string {
    return (this.ctx.principal ?? ANONYMOUS).owner;
  }

  /** Made when something is logged: a waiting session does not keep a logger of its own. */
  private log(run: ResponseRun): Logger {
    return this.ctx.log.child({ responseId: run.id });
  }
}

function toArray(input: CreateResponseRequest['input']): unknown[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return Array.isArray(input) ? input : [];
}
