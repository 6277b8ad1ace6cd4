/**
 * A sealed token (`rsv1.…`, base64url) with one character of its sealed bytes changed. Not the
 * last characters: the final one of a base64 text may carry only padding bits, and a fixed
 * replacement ("…AA") equals the original once in a few thousand tokens, so the "tampered" token
 * would still open.
 */
export function tampered(token: string): string {
  const at = token.length - 8;
  const changed = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${changed}${token.slice(at + 1)}`;
}
