/**
 * A sealed token (`rsv1.…`, base64url) with one character of its sealed bytes changed, always to
 * another one. A fixed replacement of the last characters ("…AA") equals the original whenever
 * the token already ends so — about one token in 256, since the last character of these tokens
 * takes only four values — and the "tampered" token then still opens.
 */
export function tampered(token: string): string {
  const at = token.length - 8;
  const changed = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${changed}${token.slice(at + 1)}`;
}
