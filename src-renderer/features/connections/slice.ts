import type { StateCreator } from 'zustand';
import { getJson, postJson, type Connection } from '../../lib/gateway-client.js';
import { decryptEndpoint, featureAvailability, SESSION_FEATURES } from '../gateway/capabilities.js';
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

/** Where the console inspects and opens sealed blobs when the capability report names no endpoint. */
export const INSPECT_PATH = '/v1/console/encrypted-content/inspect';

/**
 * Session mode and the encrypted-content inspector are read from /v1/capabilities first
 * (`gateway.sessions`, `gateway.encrypted_content.inspect`). Where the report does not mention
 * them, the gateway's own routes say whether they exist: an unknown response id on the session-state
 * route answers `response_not_found` (route present) rather than `unknown_url`, and an empty inspect
 * body answers 400 (or 403 off loopback) rather than 404. Detected entries say so in their reason.
 */
export async function withDetectedFeatures(conn: Connection, caps: Capabilities): Promise<Capabilities> {
  const features =
    caps.features && typeof caps.features === 'object' && !Array.isArray(caps.features)
      ? { ...(caps.features as Record<string, unknown>) }
      : {};
  const checks: Promise<void>[] = [];
  if (featureAvailability(caps, SESSION_FEATURES) !== 'available') {
    checks.push(
      // A GET on the session-state route: unlike a POST to tool_outputs it is never recorded.
      getJson<{ error?: { code?: string } }>(conn, '/v1/responses/resp_capability_probe/session').then((probe) => {
        const code = probe.body?.error?.code;
        if (code !== undefined && code !== 'unknown_url')
          features.tool_outputs = {
            status: 'supported',
            reason: 'detected: POST /v1/responses/{id}/tool_outputs exists',
          };
      }),
    );
  }
  if (!decryptEndpoint(caps)) {
    checks.push(
      postJson<{ error?: { code?: string } }>(conn, INSPECT_PATH, {}).then((probe) => {
        if (probe.status === 400 || probe.status === 403)
          features.encrypted_context = {
            status: probe.status === 400 ? 'supported' : 'unsupported',
            decrypt_endpoint: INSPECT_PATH,
            reason:
              probe.status === 400
                ? `detected: POST ${INSPECT_PATH} exists`
                : `${INSPECT_PATH} answers only loopback clients`,
          };
      }),
    );
  }
  await Promise.all(checks);
  return Object.keys(features).length ? { ...caps, features } : caps;
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
    const report = caps.status === 200 && caps.body ? await withDetectedFeatures(conn, caps.body) : null;
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
