/**
 * Console-only endpoints (`/v1/console/*`) answer only clients on this machine: they reveal log
 * lines and decrypted reasoning.
 */
import { errors } from '../protocol/errors.js';
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
