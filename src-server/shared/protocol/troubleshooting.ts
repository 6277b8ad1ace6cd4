/**
 * Links from errors to docs/troubleshooting.md (D5). An error response whose code has an entry
 * there carries `x-responses-troubleshooting: docs/troubleshooting.md#<code>` — the path inside the
 * repository and the installed package (both ship docs/), the anchor being the code itself. A
 * test keeps this list and the guide's headings in step. Isomorphic: no node: imports.
 */

export const TROUBLESHOOTING_HEADER = 'x-responses-troubleshooting';
export const TROUBLESHOOTING_PAGE = 'docs/troubleshooting.md';

/** Error codes with an entry (a `### code` heading) in docs/troubleshooting.md. */
export const TROUBLESHOOTING_CODES: ReadonlySet<string> = new Set([
  'backend_unreachable',
  'backend_timeout',
  'backend_protocol_error',
  'model_not_found',
  'unknown_parameter',
  'unsupported_parameter',
  'unsupported_value',
  'invalid_value',
  'invalid_api_key',
  'rate_limit_exceeded',
  'storage_quota_exceeded',
  'storage_full',
  'request_too_large',
  'previous_response_not_found',
  'invalid_encrypted_content',
  'tool_outputs_timeout',
  'session_evicted',
  'host_not_allowed',
  'origin_not_allowed',
  'console_secret_required',
  'server_overloaded',
]);

/** The heading anchor of a code's entry (GitHub and most renderers keep `a-z0-9_-` as is). */
export function troubleshootingAnchor(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9_-]/g, '');
}

/** The header for an error response, or none when the guide has no entry for the code. */
export function troubleshootingHeader(code: string | null): Record<string, string> {
  if (code === null || !TROUBLESHOOTING_CODES.has(code)) return {};
  return { [TROUBLESHOOTING_HEADER]: `${TROUBLESHOOTING_PAGE}#${troubleshootingAnchor(code)}` };
}
