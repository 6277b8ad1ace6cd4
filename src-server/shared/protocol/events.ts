/**
 * The event catalogue and the dialects. Isomorphic: used by the engine, the stream validator and
 * the console.
 *
 * Event types are written in their *canonical* form everywhere inside the gateway (the openai-node
 * names); `dialectEventType` renames them on the way out and `canonicalEventType` on the way in.
 */

/** `openai`: openai-node names (`response.reasoning_text.*`); `open-responses`: the Open Responses spec names (`response.reasoning.*`, terminal `[DONE]`). */
export type Dialect = 'openai' | 'open-responses';

export const DIALECTS: readonly Dialect[] = ['openai', 'open-responses'];

/** Every event type of openai-node's `ResponseStreamEvent` union, in canonical (openai) names. */
export const OFFICIAL_EVENT_TYPES = [
  'response.created',
  'response.queued',
  'response.in_progress',
  'response.completed',
  'response.incomplete',
  'response.failed',
  'error',
  'response.output_item.added',
  'response.output_item.done',
  'response.content_part.added',
  'response.content_part.done',
  'response.output_text.delta',
  'response.output_text.done',
  'response.output_text.annotation.added',
  'response.refusal.delta',
  'response.refusal.done',
  'response.reasoning_text.delta',
  'response.reasoning_text.done',
  'response.reasoning_summary_part.added',
  'response.reasoning_summary_part.done',
  'response.reasoning_summary_text.delta',
  'response.reasoning_summary_text.done',
  'response.function_call_arguments.delta',
  'response.function_call_arguments.done',
  'response.custom_tool_call_input.delta',
  'response.custom_tool_call_input.done',
  'response.audio.delta',
  'response.audio.done',
  'response.audio.transcript.delta',
  'response.audio.transcript.done',
  'response.code_interpreter_call_code.delta',
  'response.code_interpreter_call_code.done',
  'response.code_interpreter_call.completed',
  'response.code_interpreter_call.in_progress',
  'response.code_interpreter_call.interpreting',
  'response.file_search_call.completed',
  'response.file_search_call.in_progress',
  'response.file_search_call.searching',
  'response.web_search_call.completed',
  'response.web_search_call.in_progress',
  'response.web_search_call.searching',
  'response.image_generation_call.completed',
  'response.image_generation_call.generating',
  'response.image_generation_call.in_progress',
  'response.image_generation_call.partial_image',
  'response.mcp_call_arguments.delta',
  'response.mcp_call_arguments.done',
  'response.mcp_call.completed',
  'response.mcp_call.failed',
  'response.mcp_call.in_progress',
  'response.mcp_list_tools.completed',
  'response.mcp_list_tools.failed',
  'response.mcp_list_tools.in_progress',
] as const;

export type OfficialEventType = (typeof OFFICIAL_EVENT_TYPES)[number];

/**
 * Extension events (brief: "(ext)"), sent only when extensions are on. Each still takes the next
 * `sequence_number`. Their payload schemas are defined where they are produced.
 * `response.reasoning.delta` is an extension only in the `openai` dialect (a legacy alias sent
 * beside `response.reasoning_text.delta`); in `open-responses` it is the official name.
 */
export const EXTENSION_EVENT_TYPES = [
  'response.tool_call.delta',
  'response.error',
  'response.reasoning.delta',
  'response.reasoning.summary.added',
  'response.reasoning.summary.delta',
  'response.additional_context',
  'response.rate_limits.updated',
  'response.ping',
] as const;

export type ExtensionEventType = (typeof EXTENSION_EVENT_TYPES)[number];

/** Lifecycle events carry the whole Response snapshot in `response`. */
export const LIFECYCLE_EVENT_TYPES = [
  'response.created',
  'response.queued',
  'response.in_progress',
  'response.completed',
  'response.incomplete',
  'response.failed',
] as const;

/** Exactly one of these ends every stream. */
export const TERMINAL_EVENT_TYPES = ['response.completed', 'response.incomplete', 'response.failed'] as const;
export type TerminalEventType = (typeof TERMINAL_EVENT_TYPES)[number];

/** The status a terminal event's `response.status` must carry. */
export const TERMINAL_STATUS: Readonly<Record<TerminalEventType, string>> = {
  'response.completed': 'completed',
  'response.incomplete': 'incomplete',
  'response.failed': 'failed',
};

/** Canonical → open-responses names; every other type is the same in both dialects. */
const OPEN_RESPONSES_RENAMES: Readonly<Record<string, string>> = {
  'response.reasoning_text.delta': 'response.reasoning.delta',
  'response.reasoning_text.done': 'response.reasoning.done',
};
const OPEN_RESPONSES_CANONICAL: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(OPEN_RESPONSES_RENAMES).map(([canonical, wire]) => [wire, canonical]),
);

const OFFICIAL_SET: ReadonlySet<string> = new Set(OFFICIAL_EVENT_TYPES);
const EXTENSION_SET: ReadonlySet<string> = new Set(EXTENSION_EVENT_TYPES);
const TERMINAL_SET: ReadonlySet<string> = new Set(TERMINAL_EVENT_TYPES);
const LIFECYCLE_SET: ReadonlySet<string> = new Set(LIFECYCLE_EVENT_TYPES);

/** The wire name of a canonical event type in a dialect. Extension and unknown names pass through. */
export function dialectEventType(canonicalType: string, dialect: Dialect): string {
  if (dialect === 'open-responses') return OPEN_RESPONSES_RENAMES[canonicalType] ?? canonicalType;
  return canonicalType;
}

/** The canonical name of a wire event type, or null when the type is not an official event of that dialect. */
export function canonicalEventType(wireType: string, dialect: Dialect): string | null {
  if (dialect === 'open-responses') {
    const renamed = OPEN_RESPONSES_CANONICAL[wireType];
    if (renamed !== undefined) return renamed;
    // The openai spelling of a renamed event is not part of this dialect.
    if (OPEN_RESPONSES_RENAMES[wireType] !== undefined) return null;
  }
  return OFFICIAL_SET.has(wireType) ? wireType : null;
}

/**
 * Extension aliases (brief "(ext)"): official events that extensions on also write under a second
 * name, with the same payload, right after the official one. The emitter applies them together
 * with the dialect renaming, last and in one place (engine/event-emitter.ts).
 */
const EXTENSION_ALIASES: Readonly<Record<string, string>> = {
  'response.reasoning_text.delta': 'response.reasoning.delta',
  'response.reasoning_summary_part.added': 'response.reasoning.summary.added',
  'response.reasoning_summary_text.delta': 'response.reasoning.summary.delta',
};

/**
 * The extension alias written after a canonical event in a dialect, if any. None where the
 * dialect's own name for the event is already the alias (open-responses calls
 * `response.reasoning_text.delta` `response.reasoning.delta`).
 */
export function extensionAlias(canonicalType: string, dialect: Dialect): string | undefined {
  const alias = EXTENSION_ALIASES[canonicalType];
  return alias === undefined || alias === dialectEventType(canonicalType, dialect) ? undefined : alias;
}

export type EventKind = 'official' | 'extension' | 'other-dialect' | 'unknown';

/** How a wire event type classifies in a dialect (official first: an official name is never an extension). */
export function classifyEventType(wireType: string, dialect: Dialect): EventKind {
  if (canonicalEventType(wireType, dialect) !== null) return 'official';
  if (EXTENSION_SET.has(wireType)) return 'extension';
  const other: Dialect = dialect === 'openai' ? 'open-responses' : 'openai';
  if (canonicalEventType(wireType, other) !== null) return 'other-dialect';
  return 'unknown';
}

/** Whether a wire event may appear in a stream of this dialect with extensions on or off. */
export function isKnownEventType(wireType: string, dialect: Dialect, extensions: boolean): boolean {
  const kind = classifyEventType(wireType, dialect);
  return kind === 'official' || (kind === 'extension' && extensions);
}

export function isTerminalEventType(canonicalType: string): canonicalType is TerminalEventType {
  return TERMINAL_SET.has(canonicalType);
}

export function isLifecycleEventType(canonicalType: string): boolean {
  return LIFECYCLE_SET.has(canonicalType);
}

export type DoneSentinelSetting = 'auto' | 'on' | 'off';

/** Whether `data: [DONE]` follows the terminal event (L5): 'auto' follows the dialect. */
export function doneSentinel(dialect: Dialect, setting: DoneSentinelSetting): boolean {
  if (setting === 'on') return true;
  if (setting === 'off') return false;
  return dialect === 'open-responses';
}
