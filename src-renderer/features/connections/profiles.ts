/**
 * Connection profiles. The built-in profile talks to the gateway that served the console (the
 * embedded one on desktop, the same web server in web mode). Backend profiles (local / remote
 * vLLM or any OpenAI-compatible server) need a gateway in front of them: the desktop shell starts
 * one in-process per profile on request; web mode cannot, and says so.
 */
import type { Connection } from '../../lib/gateway-client.js';

export type ProfileKind = 'builtin' | 'vllm-local' | 'remote';

export interface Profile {
  id: string;
  name: string;
  kind: ProfileKind;
  /** Backend URL for vllm-local / remote (Chat Completions server). */
  backendUrl?: string;
  backendKind?: 'vllm' | 'openai-chat';
  /** Whether a key is stored (the key itself lives in the keychain or in memory, never here). */
  hasKey?: boolean;
}

export const DEFAULT_PROFILES: Profile[] = [
  { id: 'builtin', name: 'Built-in simulator', kind: 'builtin' },
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
