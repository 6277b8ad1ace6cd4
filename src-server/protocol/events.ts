/**
 * The event catalogue and the dialects. Isomorphic: used by the engine and the console.
 */

/** `openai`: openai-node names (`response.reasoning_text.*`); `open-responses`: the Open Responses spec names (`response.reasoning.*`, terminal `[DONE]`). */
export type Dialect = 'openai' | 'open-responses';
