/**
 * Request bodies: content-type check (415), size limit (413, checked against Content-Length
 * before reading and while reading, so an oversized body is never buffered), depth limit (400
 * nesting_too_deep, checked before parsing) and JSON parsing (400 invalid_json).
 */
import type { IncomingMessage } from 'node:http';
import { errors, type GatewayError } from '../shared/protocol/errors.js';
import { DEFAULT_MAX_JSON_DEPTH, jsonDepthOk } from '../shared/protocol/json-depth.js';
import { isJsonMediaType } from '../shared/protocol/media-type.js';

/** A body was sent but is not JSON: 415. No content-type at all is accepted (curl -d with -H omitted is common). */
export function checkJsonContentType(req: IncomingMessage): GatewayError | null {
  const ct = req.headers['content-type'];
  if (ct === undefined || ct === '') return null;
  return isJsonMediaType(ct) ? null : errors.unsupportedMediaType(ct.slice(0, 100));
}

/** Like checkJsonContentType, for a route that takes other media types too (e.g. JSON Lines). */
export function checkMediaType(req: IncomingMessage, accepted: readonly string[]): GatewayError | null {
  const ct = req.headers['content-type'];
  if (ct === undefined || ct === '') return null;
  const mediaType = ct.split(';', 1)[0].trim().toLowerCase();
  return accepted.includes(mediaType) || isJsonMediaType(ct) ? null : errors.unsupportedMediaType(ct.slice(0, 100));
}

/**
 * The client went away before its body was complete (closed, reset, or ended its side of the
 * connection, which Node's HTTP server takes for an abort). Nobody is left to answer: not a
 * gateway error and not an unexpected one (respond.ts logs it as a disconnect).
 */
export class ClientLeftError extends Error {
  constructor(cause?: Error) {
    super('the client left before its request body was complete', { cause });
    this.name = 'ClientLeftError';
  }
}

/** Sees the bytes a route read (ResponseWriter.requestBody: the exchange's observers, e.g. the recorder). */
export type BodyTap = (bytes: Buffer, complete: boolean) => void;

/**
 * Reads the whole body up to `limit` bytes. Rejects with a 413 GatewayError as soon as the limit
 * is passed; the caller answers and closes the connection, so the rest is never read. `tap` gets
 * what was read: the whole body, or (`complete` false) as far as reading got before it stopped. A
 * body with a Content-Length is complete with its last declared byte (the stream still ends after).
 */
export function readBody(req: IncomingMessage, limit: number, tap?: BodyTap): Promise<Buffer> {
  const declared = req.headers['content-length'];
  // All the declared bytes are the whole body: it is taken then, not a tick later at 'end'.
  const expected = declared === undefined ? -1 : Number(declared);
  if (expected > limit) {
    // Refused unread: observers get nothing of it (the connection closes with the 413).
    tap?.(Buffer.alloc(0), false);
    return Promise.reject(errors.requestTooLarge(limit));
  }
  // Gone while the route was still checking the request: 'close' has fired already, and what
  // was read of the body is no longer delivered.
  if (req.destroyed) {
    tap?.(Buffer.alloc(0), false);
    return Promise.reject(new ClientLeftError());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: unknown, body?: Buffer): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      tap?.(body ?? Buffer.concat(chunks), body !== undefined);
      if (err) reject(err);
      else resolve(body as Buffer);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        // What was read, the chunk past the limit included, is what observers see of the body.
        chunks.push(chunk);
        finish(errors.requestTooLarge(limit));
        return;
      }
      chunks.push(chunk);
      if (size === expected) onEnd();
    };
    const onEnd = (): void => finish(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    // The request stream's only errors are the client's connection failing mid-body ('aborted').
    const onError = (err: Error): void => finish(new ClientLeftError(err));
    // Aborted uploads: never leave the promise pending.
    const onClose = (): void => finish(new ClientLeftError());
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * Parses a JSON body; the message names where parsing failed, as JSON.parse reports it. A body
 * nested deeper than `maxDepth` (`--max-request-depth`) is a 400 before it is parsed: everything
 * that walks a parsed body (validation, redaction, serialization) recurses.
 */
export function parseJson(body: Buffer, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): unknown {
  if (!jsonDepthOk(body, maxDepth)) throw errors.nestingTooDeep(maxDepth);
  const text = body.toString('utf8');
  if (text.trim() === '') throw errors.invalidJson('the body is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw errors.invalidJson((e as Error).message);
  }
}

/** A JSON route's body: content type (415), size (413), depth and syntax (400), in that order. */
export async function readJsonBody(
  req: IncomingMessage,
  limit: number,
  maxDepth: number,
  tap?: BodyTap,
): Promise<{ body: unknown; bytes: number }> {
  const badType = checkJsonContentType(req);
  if (badType) throw badType;
  const buffer = await readBody(req, limit, tap);
  return { body: parseJson(buffer, maxDepth), bytes: buffer.length };
}
