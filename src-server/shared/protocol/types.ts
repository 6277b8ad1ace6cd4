/**
 * The OpenAI Responses types the gateway speaks, re-exported type-only from openai-node so that
 * the wire shapes have one definition. Isomorphic: type imports vanish at runtime.
 */
import type { ResponseCreateParamsBase } from 'openai/resources/responses/responses';

export type {
  EasyInputMessage,
  FunctionTool,
  Response,
  ResponseContentPartAddedEvent,
  ResponseContentPartDoneEvent,
  ResponseCreatedEvent,
  ResponseCompletedEvent,
  ResponseErrorEvent,
  ResponseFailedEvent,
  ResponseFunctionCallArgumentsDeltaEvent,
  ResponseFunctionCallArgumentsDoneEvent,
  ResponseCustomToolCall,
  ResponseCustomToolCallInputDeltaEvent,
  ResponseCustomToolCallInputDoneEvent,
  ResponseFunctionToolCall,
  ResponseIncludable,
  ResponseIncompleteEvent,
  ResponseInProgressEvent,
  ResponseInput,
  ResponseInputContent,
  ResponseInputFile,
  ResponseInputImage,
  ResponseInputItem,
  ResponseInputText,
  ResponseOutputItem,
  ResponseOutputItemAddedEvent,
  ResponseOutputItemDoneEvent,
  ResponseOutputMessage,
  ResponseOutputRefusal,
  ResponseOutputText,
  ResponseQueuedEvent,
  ResponseReasoningItem,
  ResponseReasoningSummaryPartAddedEvent,
  ResponseReasoningSummaryPartDoneEvent,
  ResponseReasoningSummaryTextDeltaEvent,
  ResponseReasoningSummaryTextDoneEvent,
  ResponseReasoningTextDeltaEvent,
  ResponseReasoningTextDoneEvent,
  ResponseRefusalDeltaEvent,
  ResponseRefusalDoneEvent,
  ResponseStatus,
  ResponseStreamEvent,
  ResponseTextConfig,
  ResponseTextDeltaEvent,
  ResponseTextDoneEvent,
  ResponseUsage,
  Tool,
  ToolChoiceFunction,
  ToolChoiceOptions,
} from 'openai/resources/responses/responses';
export type { Metadata, Reasoning, ReasoningEffort } from 'openai/resources/shared';

/**
 * A `POST /v1/responses` body after `validateCreateRequest`: the openai-node create params with
 * `model` required (the gateway routes on it) and the fields real SDKs send that the openai-node
 * version in use may not declare. The schema in request-schema.ts is what actually guarantees it;
 * it is slightly more permissive than these types where SDKs are (e.g. a reasoning item without
 * `id`, an `output_text` part without `annotations`), so consumers read those fields defensively.
 */
export type CreateResponseRequest = Omit<ResponseCreateParamsBase, 'model' | 'stream'> & {
  model: string;
  stream?: boolean | null;
  max_tool_calls?: number | null;
  /** Client-side ids (Codex): strings only; logged and recorded, never forwarded. */
  client_metadata?: Record<string, string> | null;
};
