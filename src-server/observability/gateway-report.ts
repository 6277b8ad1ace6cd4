/**
 * The observability part of `GET /v1/capabilities` → `gateway`: which console endpoints this
 * gateway serves (sessions, encrypted-content inspector, recordings, log stream, metrics) and the
 * active flags, with every secret redacted. The console reads these instead of probing routes.
 */
import { FLAGS, type FlagSpec, type GatewayConfig } from '../config/flags.js';
import { SESSION_HEADER } from '../shared/protocol/session-mode.js';

export const LOGS_ENDPOINT = '/v1/console/logs';
export const METRICS_ENDPOINT = '/metrics';
export const INSPECT_ENDPOINT = '/v1/console/encrypted-content/inspect';

/** Config keys whose values are secrets: reported as "[redacted]" (or a count of them). */
const SECRET_KEYS = new Set<string>(['apiKeys', 'adminApiKeys', 'backendApiKey', 'reasoningEncryptionKeys']);
/** `scheme://user:password@` in a URL flag (the backend's): the user info is a secret too. */
const URL_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i;
export const REDACTED = '[redacted]';

export interface GatewayReportParts {
  config: GatewayConfig;
  /** Recordings library served; `recording`: new runs are being recorded. */
  recordings: { enabled: boolean; recording: boolean };
  /** The live log stream is served. */
  logs: boolean;
}

/** Flag name → value as configured, secrets redacted (unset secrets stay null / empty). */
export function activeFlags(config: GatewayConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const values = config as unknown as Record<string, unknown>;
  for (const f of FLAGS as readonly FlagSpec[]) {
    const value = values[f.key];
    if (SECRET_KEYS.has(f.key)) {
      if (Array.isArray(value)) out[f.flag] = value.map(() => REDACTED);
      else out[f.flag] = value === undefined || value === '' ? null : REDACTED;
    } else if (typeof value === 'string') {
      out[f.flag] = value.replace(URL_USERINFO, `$1${REDACTED}@`);
    } else {
      out[f.flag] = value === undefined ? null : value;
    }
  }
  return out;
}

export function gatewayReport(parts: GatewayReportParts): Record<string, unknown> {
  return {
    // Every gateway has the state service (store, sessions, encrypted reasoning).
    sessions: { enabled: true, header: SESSION_HEADER },
    encrypted_content: { inspect: INSPECT_ENDPOINT },
    // The Conversations API (docs/state.md) lives in the store too.
    conversations: { endpoint: '/v1/conversations' },
    recordings: parts.recordings,
    logs: parts.logs ? { endpoint: LOGS_ENDPOINT } : { enabled: false },
    metrics: { endpoint: METRICS_ENDPOINT, json: `${METRICS_ENDPOINT}?format=json` },
    flags: activeFlags(parts.config),
  };
}
