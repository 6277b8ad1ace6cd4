/**
 * Every event a response emits, as one typed union, in canonical (openai-node) names and before
 * the emitter numbers it. Official events are openai-node's `ResponseStreamEvent` members where
 * their shape is the gateway's (without `sequence_number`); lifecycle events carry the gateway's
 * ResponseObject, and `error` carries the nested `error` object OpenAI streams too. Extension
 * events (brief "(ext)") are declared here with the payloads of
 * shared/protocol/extension-schemas.ts.
 *
 * Dialect names (`response.reasoning.delta` in open-responses) and extension aliases exist only on
 * the wire: the emitter applies them last (event-emitter.ts), so nothing in the engine sees them.
 */
import type {
  ResponseCompletedEvent,
  ResponseContentPartAddedEvent,
  ResponseCreatedEvent,
  ResponseErrorEvent,
  ResponseFailedEvent,
  ResponseIncompleteEvent,
  ResponseInProgressEvent,
  ResponseQueuedEvent,
  ResponseContentPartDoneEvent,
  ResponseCustomToolCallInputDeltaEvent,
  ResponseCustomToolCallInputDoneEvent,
  ResponseFunctionCallArgumentsDeltaEvent,
  ResponseFunctionCallArgumentsDoneEvent,
  ResponseOutputItemAddedEvent,
  ResponseOutputItemDoneEvent,
  ResponseReasoningSummaryPartAddedEvent,
  ResponseReasoningSummaryPartDoneEvent,
  ResponseReasoningSummaryTextDeltaEvent,
  ResponseReasoningSummaryTextDoneEvent,
  ResponseReasoningTextDeltaEvent,
  ResponseReasoningTextDoneEvent,
  ResponseRefusalDeltaEvent,
  ResponseRefusalDoneEvent,
  ResponseTextDeltaEvent,
  ResponseTextDoneEvent,
} from '../shared/protocol/types.js';
import type { OpenAIErrorType } from '../shared/protocol/errors.js';
import { isTerminalEventType } from '../shared/protocol/events.js';
import type { RateLimitEntryLike, ResponseObject } from './contract.js';

/** An openai-node stream event before the emitter assigns its `sequence_number`. */
type Unnumbered<E> = E extends unknown ? Omit<E, 'sequence_number'> : never;

/** openai-node's lifecycle events, carrying the gateway's Response object. */
type WithResponse<E> = E extends unknown
  ? Omit<E, 'sequence_number' | 'response'> & { response: ResponseObject }
  : never;

export type LifecycleEvent = WithResponse<
  | ResponseCreatedEvent
  | ResponseQueuedEvent
  | ResponseInProgressEvent
  | ResponseCompletedEvent
  | ResponseIncompleteEvent
  | ResponseFailedEvent
>;

export type TerminalEvent = Extract<
  LifecycleEvent,
  { type: 'response.completed' | 'response.incomplete' | 'response.failed' }
>;

export interface StreamErrorFields {
  type: OpenAIErrorType;
  code: string;
  message: string;
  param: string | null;
}

/** The official `error` event, with the nested `error` object OpenAI streams beside its flat fields. */
export type ErrorEvent = Unnumbered<ResponseErrorEvent> & { code: string; error: StreamErrorFields };

export type ItemEvent = Unnumbered<ResponseOutputItemAddedEvent | ResponseOutputItemDoneEvent>;

export type ContentEvent = Unnumbered<
  | ResponseContentPartAddedEvent
  | ResponseContentPartDoneEvent
  | ResponseTextDeltaEvent
  | ResponseTextDoneEvent
  | ResponseRefusalDeltaEvent
  | ResponseRefusalDoneEvent
  | ResponseReasoningTextDeltaEvent
  | ResponseReasoningTextDoneEvent
  | ResponseReasoningSummaryPartAddedEvent
  | ResponseReasoningSummaryPartDoneEvent
  | ResponseReasoningSummaryTextDeltaEvent
  | ResponseReasoningSummaryTextDoneEvent
  | ResponseFunctionCallArgumentsDeltaEvent
  | ResponseCustomToolCallInputDeltaEvent
  | ResponseCustomToolCallInputDoneEvent
>;

/** openai-node's `.done` event, with the function `name` OpenAI streams in it. */
export type FunctionCallArgumentsDoneEvent = Unnumbered<ResponseFunctionCallArgumentsDoneEvent> & { name: string };

export type OfficialEvent = LifecycleEvent | ErrorEvent | ItemEvent | ContentEvent | FunctionCallArgumentsDoneEvent;

// --- extension events (docs/extensions.md) ----------------------------------------------------

/** C2: a function call's arguments delta with the call's id and name. */
export interface ToolCallDeltaEvent {
  type: 'response.tool_call.delta';
  item_id: string;
  output_index: number;
  call_id: string;
  name: string;
  delta: string;
}

/** C4: the failure once more, with the failed response, just before `response.failed`. */
export interface ResponseErrorExtensionEvent {
  type: 'response.error';
  error: StreamErrorFields | { type: string; code: string; message: string; param: string | null };
  response: ResponseObject;
}

/** H4: the sealed reasoning of a finished reasoning item. */
export interface AdditionalContextEvent {
  type: 'response.additional_context';
  item_id: string;
  output_index: number;
  encrypted_content: string;
}

/** H5: the request's rate-limit budget, after `response.created` and before the terminal event. */
export interface RateLimitsUpdatedEvent {
  type: 'response.rate_limits.updated';
  rate_limits: RateLimitEntryLike[];
}

/** L4: keep-alive while the backend is silent. */
export interface PingEvent {
  type: 'response.ping';
}

/**
 * Extension events made by stages. The aliases (`response.reasoning.delta`,
 * `response.reasoning.summary.added` / `.delta`) are not here: they are wire copies of official
 * events that the emitter writes (shared/protocol/events.ts `extensionAlias`).
 */
export type ExtensionEvent =
  ToolCallDeltaEvent | ResponseErrorExtensionEvent | AdditionalContextEvent | RateLimitsUpdatedEvent | PingEvent;

/** Everything a response emits, before numbering and dialect naming. */
export type ResponseEvent = OfficialEvent | ExtensionEvent;

/** Where a producer (the ResponseBuilder) hands its events. */
export type EventSink = (event: ResponseEvent) => void;

/**
 * One step of the event chain: an event in, the same event (the common case, nothing allocated),
 * a replacement, or several events (an extension event beside it, a split delta; none drops it).
 * Stages never mutate the event they are given; the emitter runs them in order (event-emitter.ts).
 */
export type EventStage = (event: ResponseEvent) => ResponseEvent | readonly ResponseEvent[];

export function isTerminalEvent(event: ResponseEvent): event is TerminalEvent {
  return isTerminalEventType(event.type);
}
