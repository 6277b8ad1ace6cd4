/**
 * Extension events (brief "(ext)"), produced only when extensions are on for the response.
 *
 * Two kinds of producers, because some events follow an official one and some must precede one:
 * - `createExtensionHooks`: the emitter's hooks, run right after an official event (C2
 *   `response.tool_call.delta`, H2 `response.reasoning.delta` alias, H3 summary aliases, H4
 *   `response.additional_context`, H5 `response.rate_limits.updated` at the start);
 * - `createPreTerminalStage`: sits before the emitter and adds, just before the terminal event,
 *   C4 `response.error` (after the official `error`) and H5 `response.rate_limits.updated` once
 *   usage is known (nothing may follow the terminal event).
 * Payload shapes: protocol/extension-schemas.ts, documented in docs/extensions.md.
 */
import { isTerminalEventType } from '../protocol/events.js';
import type { RunRateLimits } from './contract.js';
import type { ExtensionHook } from './event-emitter.js';
import type { CanonicalEvent, EventSink } from './response-builder.js';

export interface ExtensionContext {
  rateLimits?: RunRateLimits;
}

interface CallInfo {
  call_id: string;
  name: string;
}

type Item = { type?: unknown; id?: unknown; call_id?: unknown; name?: unknown; encrypted_content?: unknown };

/** The hooks get the event as written (type already in the dialect, sequence_number set). */
export function createExtensionHooks(context: ExtensionContext): ExtensionHook[] {
  const calls = new Map<string, CallInfo>();
  const hook: ExtensionHook = (event) => {
    switch (event.type) {
      case 'response.created':
        return context.rateLimits
          ? [{ type: 'response.rate_limits.updated', rate_limits: context.rateLimits.snapshot() }]
          : [];
      case 'response.output_item.added': {
        const item = event.item as Item;
        if (item.type === 'function_call' && typeof item.id === 'string')
          calls.set(item.id, { call_id: String(item.call_id ?? ''), name: String(item.name ?? '') });
        return [];
      }
      case 'response.function_call_arguments.delta': {
        const call = calls.get(String(event.item_id));
        return [
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
      // Only the openai dialect writes this name: in open-responses the official event is already response.reasoning.delta.
      case 'response.reasoning_text.delta':
        return [
          {
            type: 'response.reasoning.delta',
            item_id: event.item_id,
            output_index: event.output_index,
            content_index: event.content_index,
            delta: event.delta,
          },
        ];
      case 'response.reasoning_summary_part.added':
        return [
          {
            type: 'response.reasoning.summary.added',
            item_id: event.item_id,
            output_index: event.output_index,
            summary_index: event.summary_index,
            part: { type: 'summary_text', text: '' },
          },
        ];
      case 'response.reasoning_summary_text.delta':
        return [
          {
            type: 'response.reasoning.summary.delta',
            item_id: event.item_id,
            output_index: event.output_index,
            summary_index: event.summary_index,
            delta: event.delta,
          },
        ];
      case 'response.output_item.done': {
        const item = event.item as Item;
        if (item.type === 'function_call' && typeof item.id === 'string') calls.delete(item.id);
        if (item.type !== 'reasoning' || typeof item.encrypted_content !== 'string') return [];
        return [
          {
            type: 'response.additional_context',
            item_id: item.id,
            output_index: event.output_index,
            encrypted_content: item.encrypted_content,
          },
        ];
      }
      default:
        return [];
    }
  };
  return [hook];
}

interface ErrorFields {
  type: string;
  code: string;
  message: string;
  param: string | null;
}

/** Usage total of a terminal event's response (0 when the backend reported none). */
function usageTokens(event: CanonicalEvent): number {
  const usage = (event.response as { usage?: { total_tokens?: unknown } | null } | undefined)?.usage;
  return typeof usage?.total_tokens === 'number' ? usage.total_tokens : 0;
}

/** Adds the extension events that must come before the terminal event. */
export function createPreTerminalStage(context: ExtensionContext, next: EventSink): EventSink {
  let lastError: ErrorFields | null = null;
  return (event) => {
    if (event.type === 'error') {
      const e = event.error as Partial<ErrorFields> | undefined;
      lastError = {
        type: String(e?.type ?? 'server_error'),
        code: String(event.code ?? e?.code ?? 'internal_error'),
        message: String(event.message ?? e?.message ?? ''),
        param: typeof event.param === 'string' ? event.param : null,
      };
    } else if (isTerminalEventType(event.type)) {
      if (event.type === 'response.failed' && lastError) {
        next({ type: 'response.error', error: lastError, response: structuredClone(event.response) });
      }
      if (context.rateLimits) {
        next({ type: 'response.rate_limits.updated', rate_limits: context.rateLimits.settle(usageTokens(event)) });
      }
    }
    next(event);
  };
}
