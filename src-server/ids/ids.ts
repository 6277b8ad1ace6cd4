/**
 * Random ids: object ids in OpenAI's shape (a type prefix and a random hex body), one constructor
 * per kind, and the random hex of the other ids the gateway hands out (conversations, WebSocket
 * connections, compaction items).
 * Random bytes are drawn from the CSPRNG a few KB at a time, so an id costs a slice of a pooled
 * buffer rather than a `randomBytes` call (≈ 5 µs each) on the request path.
 */
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let offset = pool.length;

/** `bytes` random bytes as lowercase hex (at most 64 bytes). */
export function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}

/** 32 lowercase hex characters (128 random bits). */
const randomBody = (): string => randomHex(16);

export const newResponseId = (): string => `resp_${randomBody()}`;
export const newMessageId = (): string => `msg_${randomBody()}`;
export const newReasoningId = (): string => `rs_${randomBody()}`;
export const newFunctionCallItemId = (): string => `fc_${randomBody()}`;
export const newCallId = (): string => `call_${randomBody()}`;
export const newCustomToolCallId = (): string => `ctc_${randomBody()}`;
export const newLocalShellCallId = (): string => `lsh_${randomBody()}`;
export const newShellCallId = (): string => `sh_${randomBody()}`;
export const newApplyPatchCallId = (): string => `apc_${randomBody()}`;
/** A tool output a session mode client submitted, as an item of the response (C1). */
export const newFunctionCallOutputId = (): string => `fco_${randomBody()}`;

/** 24 lowercase hex characters (96 random bits): the gateway's own request, recording and session ids. */
const shortBody = (): string => randomHex(12);

/** `x-request-id` of a request that brought none (or none usable). */
export const newRequestId = (): string => `req_${shortBody()}`;
export const newRecordingId = (): string => `rec_${shortBody()}`;
/** A recorded session: the runs that continue one another (recording/). */
export const newRecordingSessionId = (): string => `ses_${shortBody()}`;
