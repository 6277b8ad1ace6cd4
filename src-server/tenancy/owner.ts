/**
 * Tenancy (docs/state.md): every stored response, session, background run, recording and sealed
 * reasoning token belongs to an owner, the id of the API key that created it. Another key gets the
 * same 404 as for an object that does not exist; an admin key (`--admin-api-key`) sees every
 * owner's objects. Without any key configured every request is the anonymous owner, so everything
 * is shared, as on a single-user gateway.
 *
 * The owner id is `key_` + the first 16 hex digits of sha256(key): stable across restarts, safe to
 * store and log, and the same digest `--rate-limit-config` matches with `id:<prefix>`. The key
 * itself is never stored.
 */
import { createHash } from 'node:crypto';

/** Owner of everything when no key is configured, and of rows written before owners existed. */
export const ANONYMOUS_OWNER = 'anonymous';

/** Owner of requests whose key was refused (their 401s are still recorded; only admins see them). */
export const UNAUTHENTICATED_OWNER = 'unauthenticated';

export function ownerIdOf(key: string): string {
  return `key_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** Who a request acts as. */
export interface Principal {
  /** Owner id given to what this request creates. */
  readonly owner: string;
  /** An admin key: reads and acts on every owner's objects. */
  readonly admin: boolean;
  /** Owners whose sealed reasoning this request may open (its own; every known owner for an admin). */
  readonly sealOwners: readonly string[];
}

export const ANONYMOUS: Principal = Object.freeze({
  owner: ANONYMOUS_OWNER,
  admin: false,
  sealOwners: Object.freeze([ANONYMOUS_OWNER]),
});

/** The owner filter for store reads: undefined (every owner) for an admin, else the request's own. */
export function ownerScope(principal: Principal): string | undefined {
  return principal.admin ? undefined : principal.owner;
}

export function canSee(principal: Principal, owner: string): boolean {
  return principal.admin || principal.owner === owner;
}
