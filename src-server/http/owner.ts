/**
 * Who a request acts as (tenancy, docs/state.md): the owner id of its API key, whether that key is
 * an admin (`--admin-api-key`), and the owners whose sealed reasoning it may open. Judged once per
 * request, before routing, so the recorder files the run under the same owner the routes use.
 */
import type { IncomingMessage } from 'node:http';
import { ANONYMOUS, ANONYMOUS_OWNER, UNAUTHENTICATED_OWNER, type Principal } from '../tenancy/owner.js';
import { presentedKey, type ApiKeys } from './auth.js';

export class Principals {
  private readonly byOwner = new Map<string, Principal>();
  private readonly unauthenticated: Principal;

  constructor(private readonly keys: ApiKeys) {
    const everyone = [...new Set([ANONYMOUS_OWNER, ...keys.owners])];
    this.unauthenticated = principal(UNAUTHENTICATED_OWNER, false, []);
    for (const { owner, admin } of keys.list()) {
      this.byOwner.set(
        owner,
        principal(owner, admin, admin ? [owner, ...everyone.filter((o) => o !== owner)] : [owner]),
      );
    }
  }

  /**
   * No key configured: the anonymous owner (everything shared). A configured key: its owner.
   * Anything else: an owner nothing belongs to (the auth guard answers those requests with 401).
   */
  of(req: IncomingMessage, allowApiKeyHeader: boolean): Principal {
    if (!this.keys.required) return ANONYMOUS;
    const key = presentedKey(req, allowApiKeyHeader);
    const identity = key === null ? null : this.keys.identify(key);
    return (identity && this.byOwner.get(identity.owner)) ?? this.unauthenticated;
  }
}

function principal(owner: string, admin: boolean, sealOwners: string[]): Principal {
  return Object.freeze({ owner, admin, sealOwners: Object.freeze(sealOwners) });
}
