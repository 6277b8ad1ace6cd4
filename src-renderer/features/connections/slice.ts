import type { StateCreator } from 'zustand';
import { getJson, type Connection } from '../../lib/gateway-client.js';
import { bridge } from '../../lib/bridge.js';
import { DEFAULT_PROFILES, connectionFor, type Profile } from './profiles.js';
import type { StudioState } from '../../app/store.js';

export interface Health {
  state: 'unknown' | 'checking' | 'ok' | 'down';
  models: string[];
  error?: string;
  checkedAt?: number;
}

export type Capabilities = Record<string, unknown>;

export interface ConnectionsSlice {
  profiles: Profile[];
  activeProfileId: string;
  /** Gateway URL per backend profile (desktop: started by the shell). */
  gatewayUrls: Record<string, string>;
  health: Health;
  capabilities: Capabilities | null;
  capabilitiesError?: string;
  connectionError?: string;
  activeConnection(): Connection | null;
  selectProfile(id: string): void;
  updateProfile(id: string, patch: Partial<Profile>): void;
  /** Desktop only: start a gateway in the shell for a backend profile. */
  connectProfile(id: string, apiKey?: string): Promise<void>;
  refreshHealth(): Promise<void>;
}

export const createConnectionsSlice: StateCreator<StudioState, [], [], ConnectionsSlice> = (set, get) => ({
  profiles: DEFAULT_PROFILES,
  activeProfileId: 'builtin',
  gatewayUrls: {},
  health: { state: 'unknown', models: [] },
  capabilities: null,
  activeConnection() {
    const p = get().profiles.find((x) => x.id === get().activeProfileId);
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
    const api = bridge();
    if (!profile || profile.kind === 'builtin') return;
    if (!api) {
      set({
        connectionError:
          'Backend profiles need the desktop app. In web mode, restart the server with: npm start -- --backend <url>',
      });
      return;
    }
    try {
      if (apiKey) await api.secrets.set(`profile:${id}`, apiKey);
      const { url } = await api.gateway.startForBackend({
        profileId: id,
        backendUrl: profile.backendUrl ?? '',
        backendKind: profile.backendKind ?? 'vllm',
      });
      set({ gatewayUrls: { ...get().gatewayUrls, [id]: url }, connectionError: undefined });
      if (apiKey) get().updateProfile(id, { hasKey: true });
      await get().refreshHealth();
    } catch (e) {
      set({ connectionError: (e as Error).message });
    }
  },
  async refreshHealth() {
    const conn = get().activeConnection();
    if (!conn) {
      set({ health: { state: 'unknown', models: [], error: 'not connected: press Connect' }, capabilities: null });
      return;
    }
    set({ health: { ...get().health, state: 'checking' } });
    const [health, models, caps] = await Promise.all([
      getJson(conn, '/healthz'),
      getJson<{ data?: { id: string }[] }>(conn, '/v1/models'),
      getJson<Capabilities>(conn, '/v1/capabilities'),
    ]);
    const ok = health.status >= 200 && health.status < 300;
    // Features come only from the capability report (gateway.sessions, gateway.encrypted_content, …).
    const report = caps.status === 200 && caps.body ? caps.body : null;
    set({
      health: {
        state: ok ? 'ok' : 'down',
        models: (models.body?.data ?? []).map((m) => m.id),
        error: ok ? undefined : (health.error ?? `healthz answered HTTP ${health.status}`),
        checkedAt: Date.now(),
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
