/**
 * The gateway's state in one value, composed once per gateway (the composition root of what lives
 * longer than a request): the response store (M6), the reasoning keyring (H4), the background runs,
 * the session manager (sessions/), the final saves and the coordination with other instances
 * (cluster/). `plan` prepares a create request (its conversation and the run's hooks); the plan's
 * `attach` wires the started run to the store, the background registry, its session and the
 * cluster (planned-run.ts).
 */
import { randomBytes } from 'node:crypto';
import type { GatewayConfig } from '../config/flags.js';
import { ReasoningKeyring, loadOrCreateKeyring } from '../crypto/reasoning-seal.js';
import { BackgroundRuns } from '../engine/background-runs.js';
import type { ResponseObject } from '../engine/contract.js';
import { ENCRYPTED_REASONING, ReasoningSealer, prepareConversation } from '../engine/conversation.js';
import type { Logger } from '../logging/logger.js';
import { errors } from '../shared/protocol/errors.js';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import type { GatewayStore } from '../store/contract.js';
import type { ClusterCoordinator } from '../cluster/coordinator.js';
import { SessionManager } from '../sessions/manager.js';
import { PendingWrites, PlannedRun, type PlanContext, type PlanDeps, type RunPlan } from './planned-run.js';

export { stateMetrics, type PlanContext, type RunPlan } from './planned-run.js';

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
   * Writes the final states queued so far (store/final-saves.ts batches them on a microtask). The
   * responses service calls it before a client can see a response's end, so that what a client was told is
   * complete is stored — a crash right after cannot turn it into an interrupted response.
   */
  flushFinalSaves(): Promise<void>;
  /** Cancels background runs and ends session waits (shutdown), then closes the store. */
  shutdown(): Promise<void>;
}

/** The store is opened by the caller (store/open.ts picks the engine) and closed by shutdown(). */
export function createStateService(
  config: GatewayConfig,
  logger: Logger,
  store: GatewayStore,
  cluster: ClusterCoordinator | null,
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
  const deps: PlanDeps = { store, background, sessions, cluster, pending };

  const plan = async (request: CreateResponseRequest, ctx: PlanContext): Promise<RunPlan> => {
    if (request.background === true && request.store === false)
      throw errors.invalidValue(
        'background',
        'background: true needs store: true (the response is fetched later by id).',
      );
    // Live features need Redis when there are other instances (a 503 with Retry-After while it is away).
    if (cluster && ctx.session) cluster.requireAvailable('session mode');
    if (cluster && request.background === true) cluster.requireAvailable('background responses');
    const { principal } = ctx;
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
