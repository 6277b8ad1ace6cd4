/**
 * Encrypted reasoning context (H4): a reasoning item is sealed into an opaque token that the client
 * sends back as `encrypted_content`, so stateless (`store: false`) conversations keep their reasoning.
 *
 * Token format (version 1), three dot-separated fields:
 *
 *     rsv1.<keyId>.<base64url(iv | ciphertext | tag)>
 *
 * - `rsv1`    format version; a future format gets a new prefix, old ones stay readable.
 * - `keyId`   first 8 hex digits of sha256(key): says which key of the ring sealed it, so keys can be
 *             rotated (the first configured key seals, all configured keys open).
 * - body      AES-256-GCM: 12-byte random IV, ciphertext of the UTF-8 JSON payload, 16-byte tag,
 *             base64url without padding. The additional authenticated data is `rsv1.<keyId>`, so
 *             neither the version nor the key id can be changed without failing authentication.
 *
 * Tenancy (docs/state.md): a token is bound to the owner id of the API key that sealed it — for
 * any owner but the anonymous one (no keys configured) the owner id is appended to the additional
 * authenticated data (`rsv1.<keyId>.<owner>`). Another owner's token then fails authentication
 * exactly like a tampered one (a 400), and tokens sealed before owners existed still open for the
 * anonymous owner. The owner id is not in the token: the opener names the owners it may open for.
 *
 * The payload is `ReasoningPayload` (reasoning text parts, summary parts, model id, created-at).
 * It is not compressed: compressing attacker-influenced text before encryption leaks through length.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errors, type GatewayError } from '../shared/protocol/errors.js';
import { ANONYMOUS_OWNER } from '../tenancy/owner.js';
import { makePrivateDir, restrictFile } from '../store/private-files.js';

export const TOKEN_VERSION = 'rsv1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_FILE = 'reasoning.key';

export interface ReasoningPayload {
  /** Model that produced the reasoning. */
  model: string;
  /** Unix seconds. */
  created_at: number;
  content: { type: 'reasoning_text'; text: string }[];
  summary: { type: 'summary_text'; text: string }[];
  /**
   * What was sealed: reasoning (absent, the original format) or the summary of a compacted
   * conversation (POST /v1/responses/compact: the summary is `content`). A token of one kind is
   * refused where the other is expected.
   */
  kind?: 'compaction';
}

export type SealIntegrity = 'valid' | 'tampered' | 'foreign-key' | 'malformed';

export interface TokenInspection {
  /** `rsv1`, or null when the token does not even have the version field. */
  version: string | null;
  keyId: string | null;
  /** Length of the token in bytes (what travels in each request). */
  bytes: number;
  integrity: SealIntegrity;
}

/** Configuration mistakes (bad key strings, unreadable key file): reported at startup, not per request. */
export class KeyringError extends Error {}

/** sha256(key) → first 8 hex digits. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** Accepts 64 hex digits or base64 / base64url of exactly 32 bytes. */
export function parseKey(text: string): Buffer {
  const s = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) {
    const buf = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (buf.length === KEY_BYTES) return buf;
  }
  throw new KeyringError(
    `A reasoning encryption key must be 32 bytes given as 64 hex digits or base64 (got ${s.length} characters).`,
  );
}

type Opened = { ok: true; payload: ReasoningPayload; keyId: string } | { ok: false; inspection: TokenInspection };

export class ReasoningKeyring {
  private readonly keys: Map<string, Buffer>;
  /** Key id of the sealing key. */
  readonly currentKeyId: string;

  /** `keys[0]` seals; every key opens (rotation: put the new key first, keep old ones after it). */
  constructor(keys: Buffer[]) {
    if (keys.length === 0) throw new KeyringError('A reasoning keyring needs at least one key.');
    this.keys = new Map();
    for (const key of keys) {
      if (key.length !== KEY_BYTES) throw new KeyringError(`A reasoning encryption key must be ${KEY_BYTES} bytes.`);
      const id = keyIdOf(key);
      if (!this.keys.has(id)) this.keys.set(id, Buffer.from(key));
    }
    this.currentKeyId = keyIdOf(keys[0]);
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** Seals for `owner` (tenancy): only a request of that owner (or an admin) can open it. */
  seal(payload: ReasoningPayload, owner: string = ANONYMOUS_OWNER): string {
    const key = this.keys.get(this.currentKeyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(TOKEN_VERSION, this.currentKeyId, owner));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    const body = Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
    return `${TOKEN_VERSION}.${this.currentKeyId}.${body}`;
  }

  /**
   * Verifies and decrypts. `param` is where the token came from in the request
   * (e.g. `input[3].encrypted_content`); every failure is a 400 `invalid_encrypted_content` naming it.
   * `owners`: the owners the caller may open tokens of; another owner's token fails as tampered.
   */
  open(token: string, param = 'encrypted_content', owners: readonly string[] = [ANONYMOUS_OWNER]): ReasoningPayload {
    const result = this.tryOpen(token, owners);
    if (result.ok) return result.payload;
    throw failure(result.inspection, param);
  }

  /** Metadata and integrity of a token without revealing its content (console's encrypted-context panel). */
  inspect(token: string, owners: readonly string[] = [ANONYMOUS_OWNER]): TokenInspection {
    const result = this.tryOpen(token, owners);
    if (!result.ok) return result.inspection;
    return { version: TOKEN_VERSION, keyId: result.keyId, bytes: Buffer.byteLength(token, 'utf8'), integrity: 'valid' };
  }

  private tryOpen(token: string, owners: readonly string[]): Opened {
    const bytes = typeof token === 'string' ? Buffer.byteLength(token, 'utf8') : 0;
    const fields = typeof token === 'string' ? token.split('.') : [];
    const version = fields.length > 0 && fields[0] !== '' ? fields[0] : null;
    const keyId = fields.length > 1 ? fields[1] : null;
    const bad = (integrity: SealIntegrity, v = version, k = keyId): Opened => ({
      ok: false,
      inspection: { version: v, keyId: k, bytes, integrity },
    });
    if (fields.length !== 3 || version !== TOKEN_VERSION || keyId === null || !/^[0-9a-f]{8}$/.test(keyId)) {
      return bad('malformed');
    }
    const bodyText = fields[2];
    if (!/^[A-Za-z0-9_-]+$/.test(bodyText)) return bad('malformed');
    const body = Buffer.from(bodyText, 'base64url');
    // Non-canonical base64url (altered padding bits) decodes to the same bytes: refuse it, so that
    // every change to the token text is detected, not just changes to the decoded bytes.
    if (body.toString('base64url') !== bodyText || body.length < IV_BYTES + TAG_BYTES + 2) return bad('malformed');
    const key = this.keys.get(keyId);
    if (key === undefined) return bad('foreign-key');

    let plaintext: string | null = null;
    for (const owner of owners) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES), {
          authTagLength: TAG_BYTES,
        });
        decipher.setAAD(aad(version, keyId, owner));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        plaintext = Buffer.concat([
          decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
        break;
      } catch {
        // Changed bytes, or sealed for another owner: both fail authentication.
      }
    }
    if (plaintext === null) return bad('tampered');
    const payload = parsePayload(plaintext);
    // Authentic but not a payload: only a token sealed by something else under our key.
    if (payload === null) return bad('malformed');
    return { ok: true, payload, keyId };
  }
}

/** The additional authenticated data: version and key id, and the owner unless anonymous. */
function aad(version: string, keyId: string, owner: string): Buffer {
  return Buffer.from(owner === ANONYMOUS_OWNER ? `${version}.${keyId}` : `${version}.${keyId}.${owner}`, 'utf8');
}

function failure(inspection: TokenInspection, param: string): GatewayError {
  switch (inspection.integrity) {
    case 'foreign-key':
      return errors.invalidEncryptedContent(
        param,
        `The encrypted content was sealed with an unknown key (key id '${inspection.keyId}'); it cannot be verified or decrypted by this gateway.`,
      );
    case 'tampered':
      return errors.invalidEncryptedContent(
        param,
        'The encrypted content could not be verified: it was modified or truncated.',
      );
    default:
      return errors.invalidEncryptedContent(
        param,
        `The encrypted content is malformed: expected a '${TOKEN_VERSION}.<keyId>.<data>' token produced by this gateway.`,
      );
  }
}

function parsePayload(text: string): ReasoningPayload | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const parts = (x: unknown, type: string): boolean =>
    Array.isArray(x) &&
    x.every(
      (p) =>
        typeof p === 'object' &&
        p !== null &&
        (p as { type?: unknown }).type === type &&
        typeof (p as { text?: unknown }).text === 'string',
    );
  if (typeof v.model !== 'string' || typeof v.created_at !== 'number') return null;
  if (!parts(v.content, 'reasoning_text') || !parts(v.summary, 'summary_text')) return null;
  return value as ReasoningPayload;
}

export interface KeyringOptions {
  /** `--reasoning-encryption-key` values (first seals); empty means use or create the key file. */
  keys: readonly string[];
  /** Data directory; the generated key is kept in `<dataDir>/reasoning.key`. */
  dataDir: string;
}

export interface LoadedKeyring {
  keyring: ReasoningKeyring;
  /** Where the keys came from: flags, an existing key file, or a key file created now. */
  source: 'flags' | 'file' | 'created';
  keyFile: string | null;
}

/**
 * Builds the keyring from flags, or from `<dataDir>/reasoning.key` (created once with mode 0600,
 * so encrypted reasoning survives restarts without configuration).
 */
export function loadOrCreateKeyring(options: KeyringOptions): LoadedKeyring {
  if (options.keys.length > 0) {
    return { keyring: new ReasoningKeyring(options.keys.map(parseKey)), source: 'flags', keyFile: null };
  }
  const keyFile = join(options.dataDir, KEY_FILE);
  makePrivateDir(options.dataDir);
  const fresh = randomBytes(KEY_BYTES);
  try {
    // 'wx': never overwrite; if two processes race, the loser reads the winner's key below.
    writeFileSync(keyFile, `${fresh.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    return { keyring: new ReasoningKeyring([fresh]), source: 'created', keyFile };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new KeyringError(`Cannot create the reasoning key file ${keyFile}: ${(err as Error).message}`);
    }
  }
  let text: string;
  try {
    // A key file an earlier version (or a user) left readable by others is narrowed to 0600.
    restrictFile(keyFile);
    text = readFileSync(keyFile, 'utf8');
  } catch (err) {
    throw new KeyringError(`Cannot read the reasoning key file ${keyFile}: ${(err as Error).message}`);
  }
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new KeyringError(`The reasoning key file ${keyFile} is empty.`);
  try {
    return { keyring: new ReasoningKeyring(lines.map(parseKey)), source: 'file', keyFile };
  } catch (err) {
    throw new KeyringError(`${keyFile}: ${(err as Error).message}`);
  }
}
