/**
 * Requests another instance forwarded to this one because this one holds the live response
 * (coordinator.ts): answered by the same session manager and background registry as a local
 * request, with the caller's owner scope, so the answers are the ones a local client would get.
 */
import type { ResponseObject } from '../engine/contract.js';
import { errors } from '../shared/protocol/errors.js';
import type { BackgroundRuns } from '../engine/background-runs.js';
import type { SessionManager } from './manager.js';
import type { ForwardHandler, ForwardRequest } from '../cluster/coordinator.js';

export interface ForwardTargets {
  sessions: SessionManager;
  background: BackgroundRuns;
}

export function forwardedRequestHandler(targets: ForwardTargets): ForwardHandler {
  return async (request: ForwardRequest): Promise<unknown> => {
    const { id, scope } = request;
    switch (request.op) {
      case 'tool_outputs':
        return targets.sessions.submit(id, request.body, request.bytes ?? 0, scope);
      case 'session_state': {
        const state = targets.sessions.state(id, scope);
        if (!state) throw errors.responseNotFound(id);
        return state;
      }
      case 'cancel': {
        const live = targets.background.get(id, scope);
        if (!live) throw errors.responseNotFound(id);
        live.run.cancel('cancelled');
        return await live.run.finished;
      }
      case 'snapshot': {
        const live = targets.background.get(id, scope);
        let response: ResponseObject | null = live && !live.final ? live.run.snapshot() : null;
        response ??= targets.sessions.snapshot(id, scope);
        return response?.store === false ? null : response;
      }
      default:
        throw errors.invalidValue('op', 'Unknown forwarded operation.');
    }
  };
}
