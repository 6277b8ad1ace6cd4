/**
 * Connection profiles. The built-in profile talks to the gateway that served the console (the
 * embedded one on desktop, the same web server in web mode). Backend profiles (local / remote
 * vLLM or any OpenAI-compatible server) get a gateway of their own, started by the console's host
 * on request (POST /v1/console/profiles/{id}/connect) — in the desktop app and in web mode alike.
 */
import type { Connection } from '../../lib/gateway-client.js';

export type ProfileKind = 'builtin' | 'vllm-local' | 'remote';

export interface Profile {
  id: string;
  name: string;
  kind: ProfileKind;
  /** Backend URL for vllm-local / remote (Chat Completions server). */
  backendUrl?: string;
  backendKind?: 'vllm' | 'vllm-responses' | 'openai-chat';
  /** Whether the host keeps a key for this profile (the key itself never reaches the page). */
  hasKey?: boolean;
}

export const BUILTIN_PROFILE_ID = 'builtin';

export const DEFAULT_PROFILES: Profile[] = [
  { id: BUILTIN_PROFILE_ID, name: 'Built-in gateway', kind: 'builtin' },
  {
    id: 'vllm-local',
    name: 'Local vLLM',
    kind: 'vllm-local',
    backendUrl: 'http://127.0.0.1:8000',
    backendKind: 'vllm',
  },
  { id: 'remote', name: 'Remote server', kind: 'remote', backendUrl: 'https://', backendKind: 'openai-chat' },
];

/** Where the console sends requests for a profile, once its gateway is known. */
export function connectionFor(profile: Profile, gatewayUrls: Record<string, string>): Connection | null {
  if (profile.kind === 'builtin') return { baseUrl: '' };
  const url = gatewayUrls[profile.id];
  return url ? { baseUrl: url } : null;
}

/** What the gateway says it is in front of (GET /healthz, /v1/capabilities → backend). */
export interface BackendInfo {
  kind: string;
  url: string;
}

/**
 * The name the console shows for a profile: the built-in one is named after the backend its
 * gateway actually uses ("Built-in simulator", or the vLLM URL it was started with).
 */
export function profileLabel(profile: Profile, backend?: BackendInfo | null): string {
  if (profile.kind !== 'builtin') return profile.name;
  if (!backend) return profile.name;
  return backend.kind === 'simulator' ? 'Built-in simulator' : `Built-in gateway → ${backend.kind} ${backend.url}`;
}
