import type { StateCreator } from 'zustand';
import { getJson, sendJson, type Connection } from '../../lib/gateway-client.js';
import { BUILTIN_PROFILE_ID, DEFAULT_PROFILES, connectionFor, type BackendInfo, type Profile } from './profiles.js';
import type { StudioState } from '../../app/store.js';

export interface Health {
  state: 'unknown' | 'checking' | 'ok' | 'down';
  models: string[];
  error?: string;
  checkedAt?: number;
  /** The backend the gateway reports it uses (from /healthz, else /v1/capabilities). */
  backend?: BackendInfo;
}

export type Capabilities = Record<string, unknown>;

/** A profile gateway as GET /v1/console/profiles lists it. */
interface ProfileGatewayWire {
  id: string;
  url: string;
  backend_url: string;
  backend_kind: 'vllm' | 'vllm-responses' | 'openai-chat';
  has_key: boolean;
}

export interface ConnectionsSlice {
  profiles: Profile[];
  activeProfileId: string;
  /** Gateway URL per backend profile (started by the console's host). */
  gatewayUrls: Record<string, string>;
  /** How the host keeps profile keys: 'keychain', 'file' (0600, data folder) or 'memory'. */
  keyStorage?: string;
  health: Health;
  capabilities: Capabilities | null;
  capabilitiesError?: string;
  connectionError?: string;
  connecting?: string;
  activeConnection(): Connection | null;
  /** The connection of a profile (default: the active one). */
  connectionFor(profileId?: string): Connection | null;
  selectProfile(id: string): void;
  updateProfile(id: string, patch: Partial<Profile>): void;
  /**
   * Starts (or reuses) the host's gateway for a backend profile. `apiKey`: a new key for the host
   * to keep, null to forget the kept one, undefined to use what is kept.
   */
  connectProfile(id: string, apiKey?: string | null): Promise<void>;
  /** Learns which profile gateways the host already runs (after a reload). */
  loadProfileGateways(): Promise<void>;
  refreshHealth(): Promise<void>;
}

/** Console routes live on the gateway that served the console. */
export const CONSOLE_CONNECTION: Connection = { baseUrl: '' };

export const createConnectionsSlice: StateCreator<StudioState, [], [], ConnectionsSlice> = (set, get) => ({
  profiles: DEFAULT_PROFILES,
  activeProfileId: BUILTIN_PROFILE_ID,
  gatewayUrls: {},
  health: { state: 'unknown', models: [] },
  capabilities: null,
  activeConnection() {
    return get().connectionFor();
  },
  connectionFor(profileId) {
    const id = profileId ?? get().activeProfileId;
    const p = get().profiles.find((x) => x.id === id);
    return p ? connectionFor(p, get().gatewayUrls) : null;
  },
  selectProfile(id) {
    // Switching only changes where the next request goes; nothing running is restarted.
    set({
      activeProfileId: id,
      connectionError: undefined,
      health: { state: 'unknown', models: [] },
      capabilities: null,
    });
    void get().refreshHealth();
  },
  updateProfile(id, patch) {
    set({ profiles: get().profiles.map((p) => (p.id === id ? { ...p, ...patch } : p)) });
  },
  async connectProfile(id, apiKey) {
    const profile = get().profiles.find((p) => p.id === id);
    if (!profile || profile.kind === 'builtin') return;
    set({ connecting: id, connectionError: undefined });
    const res = await sendJson<ProfileGatewayWire & { error?: { message?: string } }>(
      CONSOLE_CONNECTION,
      `/v1/console/profiles/${encodeURIComponent(id)}/connect`,
      {
        backend_url: profile.backendUrl ?? '',
        backend_kind: profile.backendKind ?? 'vllm',
        ...(apiKey !== undefined ? { api_key: apiKey } : {}),
      },
    );
    set({ connecting: undefined });
    if (res.status !== 200 || !res.body?.url) {
      const why =
        res.status === 404
          ? 'this gateway does not host profile gateways (it was not started by the console)'
          : (res.body?.error?.message ?? res.error ?? `HTTP ${res.status}`);
      set({ connectionError: `Could not connect ${profile.name}: ${why}` });
      return;
    }
    set({ gatewayUrls: { ...get().gatewayUrls, [id]: res.body.url } });
    get().updateProfile(id, { hasKey: res.body.has_key });
    if (get().activeProfileId === id) await get().refreshHealth();
  },
  async loadProfileGateways() {
    const res = await getJson<{ data?: ProfileGatewayWire[]; key_storage?: string }>(
      CONSOLE_CONNECTION,
      '/v1/console/profiles',
    );
    if (res.status !== 200 || !res.body) return;
    const urls = { ...get().gatewayUrls };
    const profiles = get().profiles.map((p) => {
      const g = res.body?.data?.find((x) => x.id === p.id);
      if (!g) return p;
      urls[p.id] = g.url;
      return { ...p, backendUrl: g.backend_url, backendKind: g.backend_kind, hasKey: g.has_key };
    });
    set({ profiles, gatewayUrls: urls, keyStorage: res.body.key_storage });
  },
  async refreshHealth() {
    const conn = get().activeConnection();
    if (!conn) {
      set({ health: { state: 'unknown', models: [], error: 'not connected: press Connect' }, capabilities: null });
      return;
    }
    const profileId = get().activeProfileId;
    // A re-check keeps showing the last answer until the new one arrives (no flicker every poll).
    if (get().health.state === 'unknown') set({ health: { ...get().health, state: 'checking' } });
    const [health, models, caps] = await Promise.all([
      getJson<{ backend?: BackendInfo; error?: { code?: string; message?: string } }>(conn, '/healthz'),
      getJson<{ data?: { id: string }[] }>(conn, '/v1/models'),
      getJson<Capabilities>(conn, '/v1/capabilities'),
    ]);
    // The user switched profiles meanwhile: this answer is about another gateway.
    if (get().activeProfileId !== profileId) return;
    const ok = health.status >= 200 && health.status < 300;
    // Features come only from the capability report (gateway.sessions, gateway.encrypted_content, …).
    const report = caps.status === 200 && caps.body ? caps.body : null;
    const backend = health.body?.backend ?? (report?.backend as BackendInfo | undefined);
    const backendError = health.body?.error;
    set({
      health: {
        state: ok ? 'ok' : 'down',
        models: (models.body?.data ?? []).map((m) => m.id),
        error: ok
          ? undefined
          : backendError?.message
            ? `${backendError.code ? `${backendError.code}: ` : ''}${backendError.message}`
            : health.status === 0
              ? `the gateway does not answer: ${health.error ?? 'network error'}`
              : `healthz answered HTTP ${health.status}`,
        checkedAt: Date.now(),
        backend: backend && typeof backend.kind === 'string' ? { kind: backend.kind, url: backend.url } : undefined,
      },
      capabilities: report,
      capabilitiesError:
        caps.status === 200
          ? undefined
          : caps.status === 404
            ? 'this gateway has no /v1/capabilities'
            : (caps.error ?? `HTTP ${caps.status}`),
    });
  },
});
