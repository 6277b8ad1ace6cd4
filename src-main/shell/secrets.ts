/**
 * API keys encrypted with the OS keychain (Electron safeStorage) and kept as base64 in a JSON
 * file under the user data folder. Plain text never reaches the disk: without keychain support,
 * storing refuses instead of falling back to plain text. On Linux, safeStorage without a secret
 * service (`getSelectedStorageBackend()` = `basic_text`) "encrypts" with a hard-coded key: that is
 * treated as no keychain. Keys are read by the main process only (to start a profile's gateway):
 * the window can store and delete them, never read them back.
 */
import type { SafeStorageLike } from './electron-types.js';

export interface JsonFile {
  read(): Promise<Record<string, string>>;
  write(data: Record<string, string>): Promise<void>;
}

export interface SecretStore {
  set(name: string, value: string): Promise<void>;
  get(name: string): Promise<string | null>;
  delete(name: string): Promise<void>;
  available(): boolean;
}

/** Backends that do not protect anything (Linux without a secret service). */
const UNTRUSTED_BACKENDS: ReadonlySet<string> = new Set(['basic_text']);

/** Whether safeStorage really encrypts with an OS-protected key. */
export function keychainAvailable(safeStorage: SafeStorageLike): boolean {
  if (!safeStorage.isEncryptionAvailable()) return false;
  const backend = safeStorage.getSelectedStorageBackend?.();
  return backend === undefined || !UNTRUSTED_BACKENDS.has(backend);
}

export function createSecretStore(safeStorage: SafeStorageLike, file: JsonFile): SecretStore {
  return {
    available: () => keychainAvailable(safeStorage),
    async set(name, value) {
      if (!keychainAvailable(safeStorage))
        throw new Error('the OS keychain is not available; the key is kept for this session only');
      const data = await file.read();
      data[name] = safeStorage.encryptString(value).toString('base64');
      await file.write(data);
    },
    async get(name) {
      const data = await file.read();
      const sealed = data[name];
      if (sealed === undefined) return null;
      return safeStorage.decryptString(Buffer.from(sealed, 'base64'));
    },
    async delete(name) {
      const data = await file.read();
      delete data[name];
      await file.write(data);
    },
  };
}
