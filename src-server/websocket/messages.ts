/**
 * What a client may send on a Responses WebSocket (docs/streaming.md#websocket): JSON text frames
 * of `type: "response.create"` whose other fields are a create request body. The HTTP-only
 * fields are refused where they would change the meaning — `background: true` (a socket run has
 * a client by definition) and `stream: false` (every socket response streams) — and removed when
 * they agree with the transport: `stream: true` (Codex sends it on every frame) and
 * `background: false` (or `null`). Any other value of either stays in the body, whose validation
 * refuses it as over HTTP (`invalid_type`). `stream_options` is refused. `generate: false` asks
 * for a warm-up: a response with no output, which later messages can continue from.
 */
import { parseJson } from '../http/body.js';
import { errors } from '../shared/protocol/errors.js';

export const CREATE_MESSAGE = 'response.create';

export interface CreateMessage {
  /** The create request body, transport fields removed (validated afterwards like an HTTP body). */
  body: Record<string, unknown>;
  /** `generate: false`: a warm-up response with no output and no backend call. */
  warmup: boolean;
}

export function parseMessage(data: Buffer, isBinary: boolean, maxDepth: number): CreateMessage {
  if (isBinary) throw errors.invalidWebSocketMessage('binary frames are not accepted; send JSON as a text frame.');
  const value = parseJson(data, maxDepth);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw errors.invalidWebSocketMessage(
      `expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}.`,
    );
  const body = value as Record<string, unknown>;
  const type = body.type;
  if (type === undefined) throw errors.missingRequired('type');
  if (type !== CREATE_MESSAGE)
    throw errors.invalidValue(
      'type',
      `Unsupported WebSocket message type '${String(type).slice(0, 64)}': only '${CREATE_MESSAGE}' is accepted.`,
    );
  delete body.type;
  if (body.background === true)
    throw errors.unsupportedParameter('background', 'Background mode is not available on the WebSocket transport.');
  if (body.stream === false)
    throw errors.unsupportedValue('stream', 'Every response on the WebSocket transport streams; omit stream.');
  if (body.stream_options !== undefined && body.stream_options !== null)
    throw errors.unsupportedParameter('stream_options', 'stream_options is an HTTP streaming field.');
  const generate = body.generate;
  if (generate !== undefined && generate !== null && typeof generate !== 'boolean')
    throw errors.invalidType('generate', 'a boolean');
  // The transport's fields go when they agree with it; a value of the wrong type stays in the body
  // and gets the error it gets over HTTP (invalid_type), never silently dropped.
  if (body.stream === true || body.stream === null) delete body.stream;
  if (body.background === false || body.background === null) delete body.background;
  delete body.stream_options;
  delete body.generate;
  return { body, warmup: generate === false };
}
