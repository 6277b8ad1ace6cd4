/**
 * Session mode (C1, docs/state.md): a streaming create request with this header set to `on`,
 * `true` or `1` waits for `tool_outputs` instead of ending after function calls. The one
 * definition of the header: the HTTP route reads it, GET /v1/capabilities names it.
 * Isomorphic: no node: imports.
 */

/** The header as documented and reported; HTTP header names are case-insensitive. */
export const SESSION_HEADER = 'X-Responses-Session';

const SESSION_HEADER_KEY = SESSION_HEADER.toLowerCase();

/** True when the request headers (Node's lower-cased names) ask for session mode. */
export function sessionRequested(headers: Record<string, string | string[] | undefined>): boolean {
  const value = headers[SESSION_HEADER_KEY];
  return typeof value === 'string' && ['on', 'true', '1'].includes(value.trim().toLowerCase());
}
