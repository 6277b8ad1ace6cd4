/**
 * Backend error messages are relayed to clients and logs (errors.ts), and a backend may
 * echo the request's credentials in them ("invalid token Bearer sk-…"). Before any backend text
 * leaves the adapter, the configured `--backend-api-key`, the backend URL's user info and every
 * bearer-shaped string are replaced by `[REDACTED]`.
 */
import { GatewayError } from '../../shared/protocol/errors.js';

const REDACTED = '[REDACTED]';
/** `Bearer xyz` / `Basic xyz` credentials: 8+ token characters, at least one not a letter (not "bearer bonds"). */
const AUTH_SCHEME = /\b(Bearer|Basic)(\s+)(?=[A-Za-z]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,}/gi;
/** OpenAI-style secret keys (`sk-…`, `sk-proj-…`). */
const SK_KEY = /\bsk-[A-Za-z0-9_-]{12,}/g;
/** `scheme://user:password@host` */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi;

export class SecretScrubber {
  private readonly secrets: string[];

  constructor(secrets: readonly (string | undefined)[]) {
    // Longest first, so a secret that contains another is replaced whole; short ones would hit words.
    this.secrets = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4))].sort(
      (a, b) => b.length - a.length,
    );
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out
      .replace(AUTH_SCHEME, (_m, scheme: string, space: string) => `${scheme}${space}${REDACTED}`)
      .replace(SK_KEY, REDACTED)
      .replace(URL_USERINFO, (_m, scheme: string) => `${scheme}${REDACTED}@`);
  }

  /** The same error with its message scrubbed (anything else passes through unchanged). */
  error<T>(error: T): T {
    if (!(error instanceof GatewayError)) return error;
    const message = this.text(error.message);
    if (message === error.message) return error;
    return new GatewayError(error.status, error.type, error.code, message, error.param, error.headers) as T;
  }
}

/** No configured secrets: bearer-shaped strings, `sk-` keys and URL user info are still scrubbed. */
export const NO_SECRETS = new SecretScrubber([]);
