/**
 * Connection profiles served by the console's host (desktop main process or web-mode server): a
 * gateway per backend profile (gateway-host.ts), with the profile's API key kept here — in the OS
 * keychain, in a file only the owner can read, or in memory — and never sent back to the page.
 * The gateway that serves the console exposes this through /v1/console/profiles.
 */
import type {
  KeyStorage,
  ProfileBackend,
  ProfileGatewayInfo,
  ProfileGateways,
} from '../../src-server/console/services.js';
import type { GatewayHost } from './gateway-host.js';
import { jsonFile } from './json-file.js';
import type { SecretStore } from './secrets.js';

/** Profile API keys when there is no OS keychain: in the data folder, owner read/write only. */
export const PROFILE_KEYS_FILE = 'profile-keys.json';

/** Where profile API keys live. */
export interface KeyStore {
  readonly storage: KeyStorage;
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** Keys encrypted by the OS keychain (Electron safeStorage). */
export function keychainKeyStore(secrets: SecretStore): KeyStore {
  return {
    storage: 'keychain',
    get: (name) => secrets.get(name),
    set: (name, value) => secrets.set(name, value),
    delete: (name) => secrets.delete(name),
  };
}

/**
 * Keys in a JSON file readable by its owner only (mode 0600, written atomically), for machines
 * without a keychain (web mode, desktops where safeStorage is unavailable).
 */
export function fileKeyStore(path: string): KeyStore {
  const file = jsonFile<Record<string, string>>(path, {});
  return {
    storage: 'file',
    async get(name) {
      return (await file.read())[name] ?? null;
    },
    async set(name, value) {
      const data = await file.read();
      data[name] = value;
      await file.write(data);
    },
    async delete(name) {
      const data = await file.read();
      if (!(name in data)) return;
      delete data[name];
      await file.write(data);
    },
  };
}

/** Keys for this process only (a console started without a data folder). */
export function memoryKeyStore(): KeyStore {
  const keys = new Map<string, string>();
  return {
    storage: 'memory',
    get: (name) => Promise.resolve(keys.get(name) ?? null),
    set: (name, value) => {
      keys.set(name, value);
      return Promise.resolve();
    },
    delete: (name) => {
      keys.delete(name);
      return Promise.resolve();
    },
  };
}

const keyName = (profileId: string) => `profile:${profileId}`;

export function createProfileGateways(host: GatewayHost, keys: KeyStore): ProfileGateways {
  const connected = new Map<string, ProfileGatewayInfo>();
  return {
    keyStorage: keys.storage,
    async connect(backend: ProfileBackend, apiKey) {
      if (typeof apiKey === 'string' && apiKey !== '') await keys.set(keyName(backend.profileId), apiKey);
      else if (apiKey === null) await keys.delete(keyName(backend.profileId));
      // The key is read here, in the host: the page never holds it after sending it once.
      const key = await keys.get(keyName(backend.profileId));
      const gateway = await host.startForBackend(backend, key);
      const info: ProfileGatewayInfo = { ...backend, url: gateway.url, hasKey: key !== null };
      connected.set(backend.profileId, info);
      return info;
    },
    async list() {
      return [...connected.values()];
    },
  };
}
