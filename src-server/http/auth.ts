/**
 * API-key authentication (M5): `Authorization: Bearer <key>`, and on Azure routes also the
 * `api-key` header (M1). Keys come from `--api-key` (repeatable) and `--api-keys-file`. With no
 * key configured the gateway is open; the CLI then keeps it on loopback unless `--host` is given.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { errors } from '../shared/protocol/errors.js';
import { ownerIdOf } from '../tenancy/owner.js';

/** An accepted key as the gateway knows it: its owner id (never the key) and whether it is an admin. */
export interface KeyIdentity {
  owner: string;
  admin: boolean;
}

export class ApiKeys {
  /** SHA-256 digests: compared in constant time, whatever the key lengths. */
  private readonly digests: Buffer[];
  private readonly identities: KeyIdentity[];

  /** `admin` keys are accepted too, and see every owner's objects (tenancy, docs/state.md). */
  constructor(keys: readonly string[], admin: readonly string[] = []) {
    const all = new Map<string, boolean>();
    for (const k of keys) if (k !== '') all.set(k, false);
    for (const k of admin) if (k !== '') all.set(k, true);
    this.digests = [...all.keys()].map(digest);
    this.identities = [...all].map(([k, isAdmin]) => ({ owner: ownerIdOf(k), admin: isAdmin }));
  }

  /** False: no key configured, every request is admitted. */
  get required(): boolean {
    return this.digests.length > 0;
  }

  get count(): number {
    return this.digests.length;
  }

  /** Owner ids of every configured key. */
  get owners(): string[] {
    return this.identities.map((i) => i.owner);
  }

  /** Every configured key's identity. */
  list(): readonly KeyIdentity[] {
    return this.identities;
  }

  accepts(key: string): boolean {
    return this.identify(key) !== null;
  }

  /** The identity of a configured key, or null. */
  identify(key: string): KeyIdentity | null {
    const d = digest(key);
    let found: KeyIdentity | null = null;
    // No early exit: the time taken does not depend on which key matched.
    for (let i = 0; i < this.digests.length; i++) if (timingSafeEqual(this.digests[i], d)) found = this.identities[i];
    return found;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** `--api-key` values plus the lines of `--api-keys-file` (blank lines and `#` comments skipped), and `--admin-api-key`. */
export function loadApiKeys(config: {
  apiKeys: readonly string[];
  apiKeysFile: string | undefined;
  adminApiKeys?: readonly string[];
}): ApiKeys {
  const keys = [...config.apiKeys];
  if (config.apiKeysFile) {
    const text = readFileSync(config.apiKeysFile, 'utf8');
    for (const line of text.split(/\r?\n/)) {
      const key = line.replace(/#.*/, '').trim();
      if (key) keys.push(key);
    }
  }
  return new ApiKeys(keys, config.adminApiKeys ?? []);
}

/** The key a request presents: the Bearer token, or (Azure routes) the `api-key` header. */
export function presentedKey(req: IncomingMessage, allowApiKeyHeader: boolean): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1].trim();
  }
  if (allowApiKeyHeader) {
    const k = req.headers['api-key'];
    if (typeof k === 'string' && k !== '') return k.trim();
  }
  return null;
}

/**
 * Throws the OpenAI 401 when keys are configured and the request has none or a wrong one.
 * Returns the accepted key (null when the gateway is open), the rate limiter's identity.
 */
export function authenticate(keys: ApiKeys, req: IncomingMessage, allowApiKeyHeader: boolean): string | null {
  const key = presentedKey(req, allowApiKeyHeader);
  if (!keys.required) return key;
  if (key === null) {
    throw errors.unauthorized(
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    );
  }
  if (!keys.accepts(key)) throw errors.unauthorized(`Incorrect API key provided: ${redact(key)}.`);
  return key;
}

/** OpenAI's style: the first and last characters only. */
function redact(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(Math.min(20, key.length - 7))}${key.slice(-4)}`;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/**
 * Start-up policy: without keys the gateway is open, which is only safe on loopback. A
 * non-loopback host given explicitly is allowed with a warning; one that came from anywhere
 * else (say, a config default) is refused. Returns the warning to print, or null.
 */
export function openAccessWarning(host: string, keys: ApiKeys, hostExplicit: boolean): string | null {
  if (keys.required || isLoopbackHost(host)) return null;
  if (!hostExplicit)
    throw new Error(`Refusing to listen on ${host} without --api-key; pass --host explicitly to allow it.`);
  return `warning: listening on ${host} without --api-key: anyone who can reach this address can use the gateway.`;
}
