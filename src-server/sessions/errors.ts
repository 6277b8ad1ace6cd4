/**
 * Error kinds of the stateful features that protocol/errors.ts does not have yet. They belong in
 * its `errors` factory (same shape, same GatewayError); kept here only until they move there.
 */
import { GatewayError } from '../protocol/errors.js';

export const stateErrors = {
  /** `previous_response_id` names a response that is unknown, expired, deleted or was sent with store:false. */
  previousResponseNotFound: (id: string) =>
    new GatewayError(
      404,
      'invalid_request_error',
      'previous_response_not_found',
      `Previous response with id '${id}' not found. Responses created with store: false cannot be continued this way.`,
      'previous_response_id',
    ),
  responseNotFound: (id: string) =>
    new GatewayError(404, 'invalid_request_error', 'response_not_found', `No response found with id '${id}'.`),
  /** Cancel of a response that did not run in the background (OpenAI answers the same way). */
  notBackground: (id: string) =>
    new GatewayError(
      400,
      'invalid_request_error',
      'response_not_background',
      `Response '${id}' was not created with background: true; only background responses can be cancelled.`,
    ),
  sessionEvicted: (limit: number) =>
    new GatewayError(
      503,
      'server_error',
      'session_evicted',
      `This session was evicted to make room for a new one (--responses-max-active-sessions ${limit}).`,
    ),
  toolOutputsTimeout: (seconds: number) =>
    new GatewayError(
      408,
      'timeout_error',
      'tool_outputs_timeout',
      `No tool outputs arrived within ${seconds} s (--responses-tool-timeout).`,
    ),
  tokenCountUnsupported: (kind: string) =>
    new GatewayError(
      501,
      'invalid_request_error',
      'token_count_unsupported',
      `The '${kind}' backend cannot count tokens (it has no /tokenize endpoint).`,
    ),
  /** Console-only endpoints answer only loopback clients. */
  loopbackOnly: () =>
    new GatewayError(403, 'permission_error', 'loopback_only', 'This endpoint answers only clients on this machine.'),
} as const;
