/**
 * Text an open response builds a delta at a time (an answer, its reasoning, a call's arguments).
 *
 * V8 keeps `a + b` as a rope: a 32-byte node pointing at both. Text grown by `+=` one delta at a
 * time is one node per delta, about six bytes of heap per character of answer instead of one,
 * kept for the stream's whole life (and once for the response, once for the stream's validator).
 * Reading a character of a rope makes V8 flatten it in place: the rope's top node then holds one
 * flat copy and the nodes below it are garbage. Doing that each time the text passes another
 * FLATTEN_STEP characters keeps a rope to a few dozen nodes, for a copy of the text every
 * FLATTEN_STEP characters (a 20,000-character answer copies 1.6 million characters in all).
 */
const FLATTEN_STEP = 128;

/** Where the character read goes: a store the compiler cannot drop as unused. */
let lastRead = 0;

/** `text + piece`, flattened each time the result passes a multiple of FLATTEN_STEP characters. */
export function appendText(text: string, piece: string): string {
  const grown = text + piece;
  if (Math.floor(grown.length / FLATTEN_STEP) !== Math.floor(text.length / FLATTEN_STEP)) flatten(grown);
  return grown;
}

/** Flattens a rope in place (see above); a flat string stays as it is. */
export function flatten(text: string): void {
  lastRead = text.charCodeAt(0);
}

/** The character the last flattening read (for tests: proof the read was not dropped). */
export function lastFlattenRead(): number {
  return lastRead;
}
