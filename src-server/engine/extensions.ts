/**
 * Extension events (brief "(ext)"), made by two stages of the event chain that the emitter runs
 * only when extensions are on for the response (event-emitter.ts):
 * - `createPreTerminalStage`: just before the terminal event, C4 `response.error` (after the
 *   official `error`) and H5 `response.rate_limits.updated` once usage is known (nothing may
 *   follow the terminal event);
 * - `createExtensionStage`: right after an official event, H5 `response.rate_limits.updated` after
 *   `response.created`, C2 `response.tool_call.delta` after each function-call arguments delta, H4
 *   `response.additional_context` after a sealed reasoning item.
 * Both see canonical event names. The aliases of official events (H2 `response.reasoning.delta`,
 * H3 `response.reasoning.summary.*`) are wire names, written by the emitter with the dialect
 * (shared/protocol/events.ts `extensionAlias`).
 * Payload shapes: shared/protocol/extension-schemas.ts, documented in docs/extensions.md.
 */
import type { RunRateLimits } from './contract.js';
import {
  isTerminalEvent,
  type EventStage,
  type ResponseErrorExtensionEvent,
  type ResponseEvent,
  type TerminalEvent,
} from './events.js';

export interface ExtensionContext {
  rateLimits?: RunRateLimits;
}

interface CallInfo {
  call_id: string;
  name: string;
}

/** The extension events that follow official ones. One per response: it remembers the open calls. */
export function createExtensionStage(context: ExtensionContext): EventStage {
  const calls = new Map<string, CallInfo>();
  return (event) => {
    switch (event.type) {
      case 'response.created':
        return context.rateLimits
          ? [event, { type: 'response.rate_limits.updated', rate_limits: context.rateLimits.snapshot() }]
          : event;
      case 'response.output_item.added': {
        const item = event.item;
        if (item.type === 'function_call' && typeof item.id === 'string')
          calls.set(item.id, { call_id: item.call_id ?? '', name: item.name ?? '' });
        return event;
      }
      case 'response.function_call_arguments.delta': {
        const call = calls.get(event.item_id);
        return [
          event,
          {
            type: 'response.tool_call.delta',
            item_id: event.item_id,
            output_index: event.output_index,
            call_id: call?.call_id ?? '',
            name: call?.name ?? '',
            delta: event.delta,
          },
        ];
      }
      case 'response.output_item.done': {
        const item = event.item;
        if (item.type === 'function_call' && typeof item.id === 'string') calls.delete(item.id);
        if (item.type !== 'reasoning' || typeof item.encrypted_content !== 'string') return event;
        return [
          event,
          {
            type: 'response.additional_context',
            item_id: item.id,
            output_index: event.output_index,
            encrypted_content: item.encrypted_content,
          },
        ];
      }
      default:
        return event;
    }
  };
}

/** Usage total of a terminal event's response (0 when the backend reported none). */
function usageTokens(event: TerminalEvent): number {
  const total = event.response.usage?.total_tokens;
  return typeof total === 'number' ? total : 0;
}

/** The extension events that must come before the terminal event. One per response: it remembers the last error. */
export function createPreTerminalStage(context: ExtensionContext): EventStage {
  let lastError: ResponseErrorExtensionEvent['error'] | null = null;
  return (event) => {
    if (event.type === 'error') {
      lastError = { type: event.error.type, code: event.code, message: event.message, param: event.param };
      return event;
    }
    if (!isTerminalEvent(event)) return event;
    const before: ResponseEvent[] = [];
    if (event.type === 'response.failed' && lastError)
      before.push({ type: 'response.error', error: lastError, response: structuredClone(event.response) });
    if (context.rateLimits)
      before.push({ type: 'response.rate_limits.updated', rate_limits: context.rateLimits.settle(usageTokens(event)) });
    if (before.length === 0) return event;
    before.push(event);
    return before;
  };
}
