/**
 * Object ids in OpenAI's shape: a type prefix and a random URL-safe body. `randomUUID` draws from
 * Node's cached entropy pool, so an id costs no syscall on the hot path.
 */
import { randomUUID } from 'node:crypto';

/** 32 lowercase hex characters (128 random bits minus the UUID version bits). */
function randomBody(): string {
  return randomUUID().replace(/-/g, '');
}

export const newResponseId = (): string => `resp_${randomBody()}`;
export const newMessageId = (): string => `msg_${randomBody()}`;
export const newReasoningId = (): string => `rs_${randomBody()}`;
export const newFunctionCallItemId = (): string => `fc_${randomBody()}`;
export const newCallId = (): string => `call_${randomBody()}`;
