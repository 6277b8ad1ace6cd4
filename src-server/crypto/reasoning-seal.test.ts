import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isGatewayError, type GatewayError } from '../shared/protocol/errors.js';
import {
  KeyringError,
  ReasoningKeyring,
  keyIdOf,
  loadOrCreateKeyring,
  parseKey,
  type ReasoningPayload,
} from './reasoning-seal.js';

const payload: ReasoningPayload = {
  model: 'qwen3-8b',
  created_at: 1_760_000_000,
  content: [{ type: 'reasoning_text', text: 'The user wants 2+2. That is 4; ünïcødé stays intact.' }],
  summary: [{ type: 'summary_text', text: 'Adds two numbers.' }],
};

function openError(ring: ReasoningKeyring, token: string, param = 'input[3].encrypted_content'): GatewayError {
  try {
    ring.open(token, param);
  } catch (err) {
    if (isGatewayError(err)) return err;
    throw err;
  }
  throw new Error('open() accepted the token');
}

/** Replaces one character of `s` at `i` by a different base64url character. */
function flipChar(s: string, i: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const c = s[i];
  const replacement = alphabet[(alphabet.indexOf(c) + 1) % alphabet.length];
  return s.slice(0, i) + replacement + s.slice(i + 1);
}

/** Re-encodes the token body with one decoded byte changed. */
function flipBodyByte(token: string, byteIndex: number): string {
  const [v, k, b] = token.split('.');
  const body = Buffer.from(b, 'base64url');
  const i = byteIndex < 0 ? body.length + byteIndex : byteIndex;
  body[i] ^= 0x01;
  return `${v}.${k}.${body.toString('base64url')}`;
}

describe('H4 reasoning seal: token format and round trip', { tags: ['H4'] }, () => {
  test('seals into rsv1.<keyId>.<base64url> and opens to the same payload', () => {
    const key = randomBytes(32);
    const ring = new ReasoningKeyring([key]);
    const token = ring.seal(payload);
    expect(token).toMatch(/^rsv1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
    expect(token.split('.')[1]).toBe(keyIdOf(key));
    expect(ring.open(token)).toEqual(payload);
    expect(ring.inspect(token)).toEqual({
      version: 'rsv1',
      keyId: keyIdOf(key),
      bytes: token.length,
      integrity: 'valid',
    });
  });

  test('each seal uses a fresh IV, so equal payloads give different tokens', () => {
    const ring = new ReasoningKeyring([randomBytes(32)]);
    expect(ring.seal(payload)).not.toBe(ring.seal(payload));
  });

  test('the plaintext does not appear in the token', () => {
    const ring = new ReasoningKeyring([randomBytes(32)]);
    const decoded = Buffer.from(ring.seal(payload).split('.')[2], 'base64url').toString('latin1');
    expect(decoded).not.toContain('qwen3-8b');
    expect(decoded).not.toContain('The user wants');
  });
});

describe('H4 reasoning seal: key rotation', { tags: ['H4'] }, () => {
  test('a token sealed with the old key still opens after a new key is put first', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = new ReasoningKeyring([oldKey]);
    const token = before.seal(payload);
    const after = new ReasoningKeyring([newKey, oldKey]);
    expect(after.currentKeyId).toBe(keyIdOf(newKey));
    expect(after.open(token)).toEqual(payload);
    const fresh = after.seal(payload);
    expect(fresh.split('.')[1]).toBe(keyIdOf(newKey));
    // Once the old key is dropped from the ring, its tokens are foreign.
    expect(new ReasoningKeyring([newKey]).inspect(token).integrity).toBe('foreign-key');
  });
});

describe('H4 reasoning seal: tampering is a 400 invalid_encrypted_content', { tags: ['H4'] }, () => {
  const ring = new ReasoningKeyring([randomBytes(32)]);
  const token = ring.seal(payload);
  const bodyBytes = Buffer.from(token.split('.')[2], 'base64url').length;

  const cases: [string, string][] = [
    ['a byte of the IV', flipBodyByte(token, 0)],
    ['the last byte of the IV', flipBodyByte(token, 11)],
    ['a byte of the ciphertext', flipBodyByte(token, 12)],
    ['the last byte of the ciphertext', flipBodyByte(token, bodyBytes - 17)],
    ['a byte of the tag', flipBodyByte(token, -16)],
    ['the last byte of the tag', flipBodyByte(token, -1)],
  ];
  test.each(cases)('flipping %s → tampered', (_what, bad) => {
    expect(ring.inspect(bad).integrity).toBe('tampered');
    const err = openError(ring, bad);
    expect(err.status).toBe(400);
    expect(err.type).toBe('invalid_request_error');
    expect(err.code).toBe('invalid_encrypted_content');
    expect(err.param).toBe('input[3].encrypted_content');
    expect(err.message).toMatch(/modified or truncated/);
  });

  test('changing any single character of the token text is rejected', () => {
    // Includes the last body character, whose low bits are base64 padding bits.
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue;
      const bad = flipChar(token, i);
      expect(ring.inspect(bad).integrity, `position ${i}`).not.toBe('valid');
      expect(openError(ring, bad).code).toBe('invalid_encrypted_content');
    }
  });

  test('a flipped key id names an unknown key', () => {
    const [v, k, b] = token.split('.');
    const otherId = k.slice(0, 7) + (k[7] === '0' ? '1' : '0');
    const bad = `${v}.${otherId}.${b}`;
    expect(ring.inspect(bad)).toMatchObject({ keyId: otherId, integrity: 'foreign-key' });
    expect(openError(ring, bad).message).toContain(`unknown key (key id '${otherId}')`);
  });

  test('relabelling a token with another key of the ring fails authentication (AAD binds the key id)', () => {
    const second = randomBytes(32);
    const twoKeys = new ReasoningKeyring([randomBytes(32), second]);
    const sealed = twoKeys.seal(payload);
    const [v, , b] = sealed.split('.');
    const relabelled = `${v}.${keyIdOf(second)}.${b}`;
    expect(twoKeys.inspect(relabelled).integrity).toBe('tampered');
  });
});

describe('H4 reasoning seal: foreign, truncated and malformed tokens', { tags: ['H4'] }, () => {
  // A fixed key whose id (72cd6e84) has letters, so the upper-case key id case always differs.
  const ring = new ReasoningKeyring([Buffer.alloc(32, 1)]);
  const token = ring.seal(payload);

  test('a token from another gateway (unknown key) is a 400 saying the key id is unknown', () => {
    const foreign = new ReasoningKeyring([randomBytes(32)]);
    const other = foreign.seal(payload);
    const err = openError(ring, other, 'input[0].encrypted_content');
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_encrypted_content');
    expect(err.param).toBe('input[0].encrypted_content');
    expect(err.message).toContain(foreign.currentKeyId);
    expect(err.message).toMatch(/unknown key/);
  });

  test('truncated by whole bytes → tampered (the tag no longer matches)', () => {
    const [v, k, b] = token.split('.');
    const cut = Buffer.from(b, 'base64url').subarray(0, -4).toString('base64url');
    const bad = `${v}.${k}.${cut}`;
    expect(ring.inspect(bad).integrity).toBe('tampered');
    expect(openError(ring, bad).message).toMatch(/modified or truncated/);
  });

  test.each([1, 2, 3, 10, 40, token.length - 14, token.length - 20])('truncated by %i characters → rejected', (n) => {
    const bad = token.slice(0, token.length - n);
    expect(ring.inspect(bad).integrity).not.toBe('valid');
    expect(openError(ring, bad).code).toBe('invalid_encrypted_content');
  });

  test.each([
    ['empty', ''],
    ['plain text', 'not a token'],
    ['wrong version', token.replace(/^rsv1/, 'rsv9')],
    ['extra field', `${token}.x`],
    ['upper-case key id', token.replace(/^rsv1\.([0-9a-f]{8})/, (_m, id: string) => `rsv1.${id.toUpperCase()}`)],
    ['base64 with padding', `${token}==`],
    ['standard base64 alphabet', token.replace(/-/g, '+').replace(/_/g, '/') + (/[-_]/.test(token) ? '' : '+')],
  ])('%s → malformed', (_what, bad) => {
    expect(ring.inspect(bad).integrity).toBe('malformed');
    const err = openError(ring, bad);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/malformed/);
  });

  test('an authentic token whose plaintext is not a reasoning payload is malformed', () => {
    const notPayload = { ...payload, content: 'x' } as unknown as ReasoningPayload;
    expect(ring.inspect(ring.seal(notPayload)).integrity).toBe('malformed');
  });
});

describe('H4 reasoning keys: parsing and the data-directory key file', { tags: ['H4'] }, () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'rs-keys-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  test('keys are accepted as hex, base64 and base64url, and the same key gives the same id', () => {
    const key = randomBytes(32);
    const id = keyIdOf(key);
    expect(keyIdOf(parseKey(key.toString('hex')))).toBe(id);
    expect(keyIdOf(parseKey(key.toString('base64')))).toBe(id);
    expect(keyIdOf(parseKey(key.toString('base64url')))).toBe(id);
  });

  // Titles name the key's shape, not its random bytes: the compliance table lists them.
  test.each([
    { shape: 'empty', key: '' },
    { shape: 'a word', key: 'short' },
    { shape: '16 bytes, hex', key: randomBytes(16).toString('hex') },
    { shape: '31 bytes, base64', key: randomBytes(31).toString('base64') },
    { shape: '33 bytes, base64', key: randomBytes(33).toString('base64') },
  ])('a key that is not 32 bytes ($shape) is a configuration error', ({ key }) => {
    expect(() => parseKey(key)).toThrow(KeyringError);
  });

  test('flag keys are used in order: the first seals, the others open', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const loaded = loadOrCreateKeyring({ keys: [a.toString('hex'), b.toString('base64')], dataDir: tempDir() });
    expect(loaded.source).toBe('flags');
    expect(loaded.keyring.currentKeyId).toBe(keyIdOf(a));
    expect(loaded.keyring.keyIds).toEqual([keyIdOf(a), keyIdOf(b)]);
  });

  test('without keys a key file is created once with mode 0600 and reused after a restart', () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const first = loadOrCreateKeyring({ keys: [], dataDir });
    expect(first.source).toBe('created');
    const file = join(dataDir, 'reasoning.key');
    expect(first.keyFile).toBe(file);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const contents = readFileSync(file, 'utf8');
    const token = first.keyring.seal(payload);

    const second = loadOrCreateKeyring({ keys: [], dataDir });
    expect(second.source).toBe('file');
    expect(readFileSync(file, 'utf8')).toBe(contents);
    expect(second.keyring.currentKeyId).toBe(first.keyring.currentKeyId);
    expect(second.keyring.open(token)).toEqual(payload);
  });

  test('a corrupt key file is a configuration error, never silently replaced', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'reasoning.key'), 'garbage\n', { mode: 0o600 });
    expect(() => loadOrCreateKeyring({ keys: [], dataDir })).toThrow(/reasoning\.key/);
    expect(readFileSync(join(dataDir, 'reasoning.key'), 'utf8')).toBe('garbage\n');
  });
});

describe('X6 sealed tokens are bound to their owner', { tags: ['X6', 'H4'] }, () => {
  const ring = new ReasoningKeyring([randomBytes(32)]);

  test("a token opens only for the owner it was sealed for; another owner's fails like a tampered one", () => {
    const token = ring.seal(payload, 'key_aaaaaaaaaaaaaaaa');
    expect(ring.open(token, 'p', ['key_aaaaaaaaaaaaaaaa'])).toEqual(payload);
    let err: unknown;
    try {
      ring.open(token, 'input[0].encrypted_content', ['key_bbbbbbbbbbbbbbbb']);
    } catch (e) {
      err = e;
    }
    expect(isGatewayError(err) && err.toBody().error).toMatchObject({
      code: 'invalid_encrypted_content',
      param: 'input[0].encrypted_content',
      message: 'The encrypted content could not be verified: it was modified or truncated.',
    });
    expect(ring.inspect(token, ['key_bbbbbbbbbbbbbbbb']).integrity).toBe('tampered');
    expect(ring.inspect(token).integrity).toBe('tampered');
    // An admin opens for every owner it knows.
    expect(ring.open(token, 'p', ['key_bbbbbbbbbbbbbbbb', 'key_aaaaaaaaaaaaaaaa'])).toEqual(payload);
  });

  test('anonymous tokens (no keys configured, or sealed before owners existed) keep their format', () => {
    const token = ring.seal(payload);
    expect(ring.open(token)).toEqual(payload);
    expect(ring.inspect(token, ['key_aaaaaaaaaaaaaaaa']).integrity).toBe('tampered');
  });
});
