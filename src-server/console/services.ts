/**
 * What a gateway that serves the console offers beyond the API, provided by its host (the desktop
 * main process or the web-mode server): gateways for other backend profiles, saved requests, and
 * the runtime rate-limit editor. The routes are in http/console-routes.ts, all under /v1/console/.
 */
import type { SavedRequestsStore } from './saved-requests-store.js';

export type BackendKind = 'vllm' | 'vllm-responses' | 'openai-chat';

/** Where a profile's backend is. */
export interface ProfileBackend {
  profileId: string;
  backendUrl: string;
  backendKind: BackendKind;
}

/** A running profile gateway as the page may see it: never the key, only whether one is stored. */
export interface ProfileGatewayInfo extends ProfileBackend {
  /** The profile gateway's own URL (another loopback port). */
  url: string;
  hasKey: boolean;
}

/** How stored API keys are kept: the OS keychain, a 0600 file in the data folder, or memory only. */
export type KeyStorage = 'keychain' | 'file' | 'memory';

export interface ProfileGateways {
  readonly keyStorage: KeyStorage;
  /**
   * Starts (or reuses) the gateway for a profile. `apiKey`: a new key to store first; null to
   * forget the stored one; undefined to use what is stored.
   */
  connect(backend: ProfileBackend, apiKey: string | null | undefined): Promise<ProfileGatewayInfo>;
  list(): Promise<ProfileGatewayInfo[]>;
}

export interface ConsoleServices {
  profiles?: ProfileGateways;
  savedRequests?: SavedRequestsStore;
  /** Whether the console may change this gateway's rate limits at run time (the embedded gateway). */
  rateLimitEditing?: boolean;
}

/** Profile ids name a profile, not a path: letters, digits, dot, dash, underscore. */
export const PROFILE_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** The profile of the gateway serving the console itself. */
export const BUILTIN_PROFILE = 'builtin';
