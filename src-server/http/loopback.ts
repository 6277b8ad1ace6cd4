/**
 * Console-only endpoints (`/v1/console/*`) answer only clients on this machine: they reveal log
 * lines and decrypted reasoning.
 *
 * This checks the peer address only. Every browser tab on this machine passes it, including a
 * page from any website (and a DNS-rebinding page), so it is not what keeps other origins out:
 * host-check.ts and origin-policy.ts do that, before any route runs.
 */
import { errors } from '../shared/protocol/errors.js';
import type { RequestContext } from './respond.js';

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

export function assertLoopbackClient(ctx: RequestContext): void {
  if (!isLoopbackAddress(ctx.req.socket.remoteAddress)) throw errors.loopbackOnly();
}
