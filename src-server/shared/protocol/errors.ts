/**
 * Errors are values: every error the gateway can produce is a GatewayError with an HTTP status,
 * an OpenAI error type, a string code and, where it applies, the offending `param`.
 * They are created here and nowhere else, so the error table in docs/errors.md is this file.
 * Isomorphic (no node: imports): the console uses the same shapes.
 */

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'api_error'
  | 'timeout_error';

export interface OpenAIErrorBody {
  error: {
    message: string;
    type: OpenAIErrorType;
    param: string | null;
    code: string | null;
  };
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly code: string;
  readonly param: string | null;
  /** Extra response headers (e.g. Retry-After on 429/503). */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    type: OpenAIErrorType,
    code: string,
    message: string,
    param: string | null = null,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.headers = headers;
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

/**
 * The fields of a stream `error` event for `error`, in both shapes at once: openai-node's
 * ResponseErrorEvent (flat) and Open Responses' ErrorStreamingEvent (nested).
 */
export function streamErrorFields(error: GatewayError): {
  code: string;
  message: string;
  param: string | null;
  error: { type: OpenAIErrorType; code: string; message: string; param: string | null };
} {
  return {
    code: error.code,
    message: error.message,
    param: error.param,
    error: { type: error.type, code: error.code, message: error.message, param: error.param },
  };
}

/** Retry hints as OpenAI sends them: whole seconds (at least 1) and milliseconds. */
export function retryHeaders(retryAfterMs: number): Record<string, string> {
  const ms = Math.max(0, Math.ceil(retryAfterMs));
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(ms) };
}

export const errors = {
  invalidJson: (detail: string) =>
    new GatewayError(400, 'invalid_request_error', 'invalid_json', `The request body is not valid JSON: ${detail}`),
  /** The body parsed as JSON but is not an object (array, string, null …): no param to name. */
  invalidBody: (got: string) =>
    new GatewayError(
      400,
      'invalid_request_error',
      'invalid_type',
      `The request body must be a JSON object, got ${got}.`,
    ),
  invalidType: (param: string, expected: string) =>
    new GatewayError(
      400,
      'invalid_request_error',
      'invalid_type',
      `Invalid type for '${param}': expected ${expected}.`,
      param,
    ),
  invalidValue: (param: string, message: string) =>
    new GatewayError(400, 'invalid_request_error', 'invalid_value', message, param),
  missingRequired: (param: string) =>
    new GatewayError(
      400,
      'invalid_request_error',
      'missing_required_parameter',
      `Missing required parameter: '${param}'.`,
      param,
    ),
  unknownParameter: (param: string) =>
    new GatewayError(400, 'invalid_request_error', 'unknown_parameter', `Unknown parameter: '${param}'.`, param),
  unsupportedParameter: (param: string, why: string) =>
    new GatewayError(
      400,
      'invalid_request_error',
      'unsupported_parameter',
      `Unsupported parameter: '${param}'. ${why}`,
      param,
    ),
  unsupportedValue: (param: string, message: string) =>
    new GatewayError(400, 'invalid_request_error', 'unsupported_value', message, param),
  modelNotFound: (model: string) =>
    new GatewayError(
      404,
      'invalid_request_error',
      'model_not_found',
      `The model '${model}' does not exist or you do not have access to it.`,
      'model',
    ),
  notFound: (what: string, code = 'not_found') => new GatewayError(404, 'not_found_error', code, what),
  routeNotFound: (method: string, path: string) =>
    new GatewayError(404, 'invalid_request_error', 'unknown_url', `Unknown request URL: ${method} ${path}.`),
  methodNotAllowed: (method: string, path: string) =>
    new GatewayError(
      405,
      'invalid_request_error',
      'method_not_allowed',
      `Method ${method} is not allowed for ${path}.`,
    ),
  unsupportedMediaType: (contentType: string) =>
    new GatewayError(
      415,
      'invalid_request_error',
      'unsupported_media_type',
      `Content-Type must be application/json, got '${contentType}'.`,
    ),
  requestTooLarge: (limit: number, param: string | null = null) =>
    new GatewayError(
      413,
      'invalid_request_error',
      'request_too_large',
      `The request body exceeds the limit of ${limit} bytes.`,
      param,
    ),
  /** A JSON body nested deeper than `--max-request-depth`, refused before anything walks it (X7). */
  nestingTooDeep: (limit: number) =>
    new GatewayError(
      400,
      'invalid_request_error',
      'nesting_too_deep',
      `The request body nests deeper than ${limit} levels of objects and arrays (--max-request-depth).`,
    ),
  unauthorized: (message = 'Incorrect API key provided.') =>
    new GatewayError(401, 'authentication_error', 'invalid_api_key', message),
  conflict: (code: string, message: string, param: string | null = null) =>
    new GatewayError(409, 'invalid_request_error', code, message, param),
  rateLimited: (message: string, retryAfterMs: number) =>
    new GatewayError(429, 'rate_limit_error', 'rate_limit_exceeded', message, null, retryHeaders(retryAfterMs)),
  backendUnreachable: (baseUrl: string, detail: string) =>
    new GatewayError(
      502,
      'server_error',
      'backend_unreachable',
      `The backend at ${baseUrl} could not be reached: ${detail}`,
    ),
  backendError: (
    status: number,
    message: string,
    code: string,
    type: OpenAIErrorType,
    param: string | null,
    headers: Record<string, string> = {},
  ) => new GatewayError(status, type, code, message, param, headers),
  backendProtocol: (message: string) => new GatewayError(502, 'server_error', 'backend_protocol_error', message),
  backendTimeout: (seconds: number) =>
    new GatewayError(504, 'server_error', 'backend_timeout', `The backend sent nothing for ${seconds} s.`),
  /**
   * E8: a stream's client took too little of what was sent, and the bytes waiting for it passed
   * the per-stream or the gateway-wide bound. Only ever seen as a stream `error` event.
   */
  streamBufferExceeded: (scope: 'stream' | 'gateway', limitBytes: number) =>
    new GatewayError(
      503,
      'server_error',
      'stream_buffer_exceeded',
      scope === 'stream'
        ? `The client read too slowly: more than ${limitBytes} bytes of this stream waited unsent (--responses-stream-max-buffered-bytes).`
        : `The clients of this gateway read too slowly: more than ${limitBytes} bytes of all streams waited unsent (--responses-stream-max-buffered-total-bytes).`,
    ),
  /** E8: a follower of a background stream read so slowly that the replay buffer dropped its next event. */
  streamFellBehind: (after: number) =>
    new GatewayError(
      503,
      'server_error',
      'stream_buffer_exceeded',
      `The client read too slowly: the events after sequence number ${after} were dropped from the replay buffer (--responses-background-buffer-max-bytes) before it read them.`,
    ),
  internal: (message = 'The gateway failed to process the request.') =>
    new GatewayError(500, 'server_error', 'internal_error', message),
  invalidEncryptedContent: (param: string, message: string) =>
    new GatewayError(400, 'invalid_request_error', 'invalid_encrypted_content', message, param),
  /** Response store at its quota with nothing evictable (store/responses-store.ts has the policy). */
  storeFull: (message: string) =>
    new GatewayError(429, 'rate_limit_error', 'storage_quota_exceeded', message, 'store', {
      'x-should-retry': 'false',
    }),
  invalidHeader: (name: string, detail: string) =>
    new GatewayError(400, 'invalid_request_error', 'invalid_header', `Invalid header '${name}': ${detail}.`),

  /**
   * `previous_response_id` names a response that is unknown, expired, deleted or was sent with
   * store:false. A 400, as OpenAI and the Open Responses specification answer: the request is what
   * is wrong, not its URL.
   */
  previousResponseNotFound: (id: string) =>
    new GatewayError(
      400,
      'invalid_request_error',
      'previous_response_not_found',
      `Previous response with id '${id}' not found. Responses created with store: false cannot be continued this way.`,
      'previous_response_id',
    ),
  /** A `conversation` (on create, or in a Conversations API path) that is unknown, deleted or another owner's. */
  conversationNotFound: (id: string, param: string | null = null) =>
    new GatewayError(
      param === null ? 404 : 400,
      'invalid_request_error',
      'conversation_not_found',
      `Conversation with id '${printable(id)}' not found.`,
      param,
    ),
  conversationItemNotFound: (conversationId: string, itemId: string) =>
    new GatewayError(
      404,
      'invalid_request_error',
      'item_not_found',
      `No item with id '${printable(itemId)}' in conversation '${printable(conversationId)}'.`,
    ),
  /** An `item_reference` input naming no stored item this key can see. */
  itemReferenceNotFound: (id: string, param: string) =>
    new GatewayError(
      400,
      'invalid_request_error',
      'item_not_found',
      `Item with id '${printable(id)}' not found: an item_reference must name an item of a stored response or conversation.`,
      param,
    ),
  /** The input does not fit the backend model's context window (`truncation`, docs/state.md). */
  contextLengthExceeded: (message: string) =>
    new GatewayError(400, 'invalid_request_error', 'context_length_exceeded', message, 'input'),
  /** A continuation whose `function_call_output` answers no function call of the conversation. */
  unknownCallId: (param: string, callId: string) =>
    new GatewayError(
      400,
      'invalid_request_error',
      'invalid_value',
      `No function call with call_id '${printable(callId)}' in the previous response or in this input.`,
      param,
    ),
  // WebSocket transport (docs/streaming.md#websocket): src-server/websocket/.
  /** A WebSocket connection older than `--responses-websocket-max-age-seconds` (the spec's 60 minutes). */
  websocketLimitReached: (seconds: number) =>
    new GatewayError(
      400,
      'invalid_request_error',
      'websocket_connection_limit_reached',
      `Responses websocket connection limit reached (${formatAge(seconds)}). Create a new websocket connection to continue.`,
    ),
  /** A WebSocket message that is not a JSON text frame. */
  invalidWebSocketMessage: (detail: string) =>
    new GatewayError(400, 'invalid_request_error', 'invalid_websocket_message', `Invalid WebSocket message: ${detail}`),
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

  // Origin, host and console access (X5): src-server/http/host-check.ts and origin-policy.ts.
  /** A `Host` header naming something this gateway does not answer to (DNS rebinding). */
  hostNotAllowed: (host: string) =>
    new GatewayError(
      403,
      'permission_error',
      'host_not_allowed',
      `This gateway does not answer to the host '${printable(host)}': it accepts loopback names, its --host and each --allowed-host.`,
    ),
  /** A browser request from an origin that may not make it (CORS default, console routes, CSRF). */
  originNotAllowed: (origin: string, what: string) =>
    new GatewayError(
      403,
      'permission_error',
      'origin_not_allowed',
      `Requests from the origin '${printable(origin)}' may not ${what}.`,
    ),
  /** A console or library route without the console's per-launch secret. */
  consoleSecretRequired: (header: string) =>
    new GatewayError(
      403,
      'permission_error',
      'console_secret_required',
      `This route answers only the console of this app: the '${header}' header is missing or wrong.`,
    ),

  /** A re-run target that could not be reached or answered with something that is not HTTP. */
  rerunTargetFailed: (target: string, detail: string) =>
    new GatewayError(
      502,
      'server_error',
      'rerun_target_unreachable',
      `The re-run target '${printable(target)}' could not be reached: ${printable(detail)}`,
    ),

  // Connections (X7): src-server/http/connections.ts.
  requestTimeout: (what: string) =>
    new GatewayError(408, 'invalid_request_error', 'request_timeout', `The client did not send ${what} in time.`),
  headersTooLarge: () =>
    new GatewayError(
      431,
      'invalid_request_error',
      'request_header_fields_too_large',
      'The request headers are larger than the gateway accepts.',
    ),
  malformedRequest: (detail: string) =>
    new GatewayError(400, 'invalid_request_error', 'malformed_request', `The request is not valid HTTP: ${detail}.`),
  tooManyConnections: (limit: number) =>
    new GatewayError(
      503,
      'server_error',
      'server_overloaded',
      `The gateway has reached its limit of ${limit} open connections (--http-max-connections).`,
      null,
      retryHeaders(1000),
    ),
  /** The shared store (--store postgres://…) cannot be reached: store-dependent requests only (docs/deploy.md). */
  storeUnavailable: (detail: string) =>
    new GatewayError(
      503,
      'server_error',
      'store_unavailable',
      `The response store is unavailable: ${detail}. Requests with store: false keep working.`,
      null,
      retryHeaders(5000),
    ),
  /**
   * The disk under the store is full (SQLite's SQLITE_FULL, PostgreSQL's 53100 disk_full): like
   * `store_unavailable`, store-dependent requests only, until space is freed (docs/deploy.md).
   */
  storageFull: (engine: string) =>
    new GatewayError(
      503,
      'server_error',
      'storage_full',
      `The response store cannot write: the disk under ${engine} is full. Requests with store: false keep working.`,
      null,
      retryHeaders(5000),
    ),
  /** Redis (--redis) cannot be reached: the live cross-instance features only (docs/deploy.md). */
  coordinationUnavailable: (feature: string) =>
    new GatewayError(
      503,
      'server_error',
      'coordination_unavailable',
      `Redis is unavailable, so ${feature} cannot be coordinated across instances right now.`,
      null,
      retryHeaders(2000),
    ),
} as const;

/** `3600` → `60 minutes`, `0.5` → `0.5 seconds`. */
function formatAge(seconds: number): string {
  return seconds >= 60 && seconds % 60 === 0 ? `${seconds / 60} minutes` : `${seconds} seconds`;
}

/** A client-supplied value for a message: bounded, control characters shown as '?'. */
function printable(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.slice(0, 200).replace(/[\u0000-\u001f\u007f]/g, '?');
}
