/**
 * The gateway's state in one value: the response store (M6), the reasoning keyring (H4), the
 * background runs and the session manager. `plan` prepares a create request (conversation,
 * hooks); `attach` wires a started run to the store (saved at creation and at its terminal state,
 * through its event tap), to the background registry and to its session.
 */
import { randomBytes } from 'node:crypto';
import type { BackendAdapter } from '../backends/contract.js';
import type { GatewayConfig } from '../config/flags.js';
import { ReasoningKeyring, loadOrCreateKeyring } from '../crypto/reasoning-seal.js';
import { BackgroundRuns } from '../engine/background-runs.js';
import type { ResponseObject, ResponseRun } from '../engine/contract.js';
import { ENCRYPTED_REASONING, ReasoningSealer, prepareConversation } from '../engine/conversation.js';
import type { RunHooks } from '../engine/response-run.js';
import { toModelRequest } from '../engine/translate-request.js';
import type { Logger } from '../http/logger.js';
import { errors } from '../protocol/errors.js';
import type { CreateResponseRequest } from '../protocol/types.js';
import { openStore, type Store } from '../store/index.js';
import { SessionManager } from './manager.js';

/** Process-wide counters of the stateful features (E7: tool arguments that are not valid JSON). */
export const stateMetrics = { invalidToolArguments: 0, storeWriteFailures: 0 };

export interface RunPlan {
  /** The request the backend sees (history expanded, encrypted reasoning opened). */
  request: CreateResponseRequest;
  hooks: RunHooks;
  /** Wires a started run to the store, the background registry and its session. */
  attach(run: ResponseRun): void;
  /** The final Response as the client gets it (encrypted reasoning added when asked). */
  present(response: ResponseObject): ResponseObject;
}

export interface PlanContext {
  requestId: string;
  /** Session mode (C1) was asked for (and the request streams). */
  session: boolean;
  backendHeaders?: Record<string, string>;
  log: Logger;
}

export interface StateService {
  readonly store: Store;
  readonly keyring: ReasoningKeyring;
  readonly background: BackgroundRuns;
  readonly sessions: SessionManager;
  plan(request: CreateResponseRequest, ctx: PlanContext): RunPlan;
  /** Seals reasoning items of a stored response for `include[]=reasoning.encrypted_content`. */
  sealStored(response: ResponseObject): ResponseObject;
  /** Cancels background runs and ends session waits (shutdown), then closes the store. */
  shutdown(): Promise<void>;
}

export function createStateService(config: GatewayConfig, backend: BackendAdapter, logger: Logger): StateService {
  const dataDir = config.dataDir;
  const store = openStore({
    dataDir,
    inMemory: dataDir === undefined,
    ttlSeconds: config.storeTtlSeconds,
    maxItems: config.storeMaxItems,
    maxBytes: config.storeMaxBytes,
    recordingsMaxBytes: config.recordingsMaxBytes,
    onError: (err) => logger.error('response store background task failed', { err }),
  });
  // In-memory mode: a key for the lifetime of the process (tokens die with it, like the store).
  const keyring =
    dataDir === undefined && config.reasoningEncryptionKeys.length === 0
      ? new ReasoningKeyring([randomBytes(32)])
      : loadOrCreateKeyring({ keys: config.reasoningEncryptionKeys, dataDir: dataDir ?? '.' }).keyring;
  const background = new BackgroundRuns(config.backgroundBufferMaxBytes);
  const sessions = new SessionManager({
    toolTimeoutSeconds: config.toolTimeoutSeconds,
    maxActiveSessions: config.maxActiveSessions,
    sessionBufferMaxBytes: config.sessionBufferMaxBytes,
    totalBufferMaxBytes: config.sessionsBufferMaxBytes,
  });
  logger.info('response store open', { location: store.location, keyId: keyring.currentKeyId });

  const save = (log: Logger, input: Parameters<Store['responses']['saveResponse']>[0]): void => {
    try {
      store.responses.saveResponse(input);
    } catch (err) {
      stateMetrics.storeWriteFailures++;
      log.error('storing the response failed', { responseId: input.response.id, err });
    }
  };

  const plan = (request: CreateResponseRequest, ctx: PlanContext): RunPlan => {
    const stored = request.store !== false;
    if (request.background === true && !stored)
      throw errors.invalidValue(
        'background',
        'background: true needs store: true (the response is fetched later by id).',
      );
    const prepared = prepareConversation(request, store.responses, keyring);
    const sealer = request.include?.includes(ENCRYPTED_REASONING)
      ? new ReasoningSealer(keyring, request.model ?? '')
      : undefined;
    const hooks: RunHooks = {};
    if (sealer) hooks.decorate = sealer.decorate;
    if (ctx.session) hooks.nextTurn = sessions.hooks().nextTurn;
    const present = (response: ResponseObject): ResponseObject => {
      sealer?.sealResponse(response);
      return response;
    };
    const attach = (run: ResponseRun): void => {
      const log = ctx.log.child({ responseId: run.id });
      if (stored) {
        // Saved now, before the first event, so that a full store is a 429 to this client
        // (storage_quota_exceeded) rather than a response that silently is not kept.
        const initial = run.snapshot();
        try {
          store.responses.saveResponse({
            response: request.background === true ? { ...initial, status: 'queued' } : initial,
            inputItems: prepared.inputItems,
            requestId: ctx.requestId,
          });
        } catch (err) {
          run.cancel('cancelled');
          throw err;
        }
      }
      if (request.background === true) background.track(run);
      if (ctx.session) {
        sessions.attach(run, (output, signal) => {
          const next = toModelRequest(
            {
              ...prepared.request,
              input: [...toArray(prepared.request.input), ...output] as CreateResponseRequest['input'],
            },
            ctx.backendHeaders ? { headers: ctx.backendHeaders } : {},
          );
          return backend.stream(next, { signal, requestId: ctx.requestId });
        });
      }
      void run.finished.then((final) => {
        const invalid = run.invalidArgumentCallIds;
        if (invalid.length > 0) {
          // E7: delivered verbatim, flagged here, in the metric, and in the session state endpoint.
          stateMetrics.invalidToolArguments += invalid.length;
          log.warn('function call arguments are not valid JSON (delivered verbatim)', { callIds: invalid });
        }
        if (stored) save(log, { response: present(final) });
      });
    };
    return { request: prepared.request, hooks, attach, present };
  };

  return {
    store,
    keyring,
    background,
    sessions,
    plan,
    sealStored: (response) => {
      new ReasoningSealer(keyring, response.model).sealResponse(response);
      return response;
    },
    async shutdown() {
      sessions.closeAll();
      background.cancelAll();
      await Promise.allSettled(background.live().map((r) => r.finished));
      store.close();
    },
  };
}

function toArray(input: CreateResponseRequest['input']): unknown[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return Array.isArray(input) ? input : [];
}
