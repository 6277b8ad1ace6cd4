/**
 * Secrets never reach a recording: credential headers are replaced whole, and every configured
 * key (gateway and backend API keys, reasoning keys) and the key the client sent are replaced
 * wherever they occur — request body, headers and event bytes — by `[REDACTED]`.
 */
export const REDACTED = '[REDACTED]';

/** Headers whose whole value is a credential. */
const SECRET_HEADERS = new Set([
  'authorization',
  'api-key',
  'x-api-key',
  'proxy-authorization',
  'cookie',
  'set-cookie',
]);

/** Config keys that hold secrets: anything named like a key, token, secret or password. */
const SECRET_CONFIG_KEY = /(api.?key|keys?|token|secret|password)s?$/i;
/** Shorter values would redact ordinary words; no real key is this short. */
const MIN_SECRET_LENGTH = 6;
/** Deepest value `Redactor.json` walks; deeper subtrees become `[REDACTED]` (a stack-safe bound). */
const MAX_JSON_DEPTH = 1000;

/** Secrets found in a gateway config (string and string[] values of secret-named keys). */
export function secretsFromConfig(config: object): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (!SECRET_CONFIG_KEY.test(key)) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string' && v.length >= MIN_SECRET_LENGTH) out.push(v);
    }
  }
  return out;
}

/** The credential a client sent (bearer token or api-key header), to scrub from the body too. */
export function credentialsIn(headers: Record<string, string | string[] | undefined>): string[] {
  const out: string[] = [];
  for (const name of ['authorization', 'api-key', 'x-api-key']) {
    const raw = headers[name];
    for (const v of Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) {
      const token = v.replace(/^\s*(bearer|basic)\s+/i, '').trim();
      if (token.length >= MIN_SECRET_LENGTH) out.push(token);
    }
  }
  return out;
}

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string>) {
    // Longest first, so a key that contains another is replaced whole.
    this.secrets = [...new Set(secrets)]
      .filter((s) => s.length >= MIN_SECRET_LENGTH)
      .sort((a, b) => b.length - a.length);
  }

  /** A redactor that also knows these extra secrets (e.g. the request's own credential). */
  with(extra: readonly string[]): Redactor {
    return extra.length === 0 ? this : new Redactor([...this.secrets, ...extra]);
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  /** Hot path: returns the same string when no secret occurs in it. */
  text(s: string): string {
    let out = s;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  headers(headers: Record<string, string | string[] | number | undefined>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, raw] of Object.entries(headers)) {
      if (raw === undefined) continue;
      const lower = name.toLowerCase();
      const value = Array.isArray(raw) ? raw.join(', ') : String(raw);
      out[lower] = SECRET_HEADERS.has(lower) ? REDACTED : this.text(value);
    }
    return out;
  }

  /**
   * Deep copy of a JSON value with secrets replaced in every string (keys included). Callers
   * bound the depth first (the recorder checks `--max-request-depth`); past MAX_JSON_DEPTH levels
   * a subtree is replaced whole rather than walked, so no input can overflow the stack here.
   */
  json(value: unknown, depth = 0): unknown {
    if (this.secrets.length === 0) return value;
    if (typeof value === 'string') return this.text(value);
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_JSON_DEPTH) return REDACTED;
    if (Array.isArray(value)) return value.map((v) => this.json(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[this.text(k)] = this.json(v, depth + 1);
    return out;
  }
}
