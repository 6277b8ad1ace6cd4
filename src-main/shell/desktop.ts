/**
 * The desktop app, assembled from injected Electron parts: start the built-in gateway, open the
 * window on it, answer the preload API. `src-main/index.ts` passes the real `electron` module;
 * tests pass a fake one.
 */
import type { GatewayConfig } from '../../src-server/config/flags.js';
import { randomBytes } from 'node:crypto';
import { CONSOLE_SECRET_CHANNEL, type BackendGatewayRequest, type OpenFileResult } from '../shared/studio-api.js';
import type {
  BrowserWindowCtor,
  BrowserWindowLike,
  DialogLike,
  IpcMainLike,
  NativeThemeLike,
  SafeStorageLike,
  ShellLike,
} from './electron-types.js';
import { join } from 'node:path';
import { fileSavedRequests, memorySavedRequests } from '../../src-server/console/saved-requests-store.js';
import { createGatewayHost, type GatewayFactory, type GatewayHost } from './gateway-host.js';
import {
  createProfileGateways,
  fileKeyStore,
  keychainKeyStore,
  memoryKeyStore,
  PROFILE_KEYS_FILE,
} from './profile-gateways.js';
import { expectObject, expectString, registerIpc, registerSyncValue, type IpcHandlers } from './ipc.js';
import { createSecretStore, type JsonFile } from './secrets.js';
import { originOf } from './security.js';
import { createMainWindow, windowStateOf } from './window.js';
import type { WindowState } from '../shared/studio-api.js';

export interface ElectronParts {
  BrowserWindow: BrowserWindowCtor;
  ipcMain: IpcMainLike;
  safeStorage: SafeStorageLike;
  dialog: DialogLike;
  nativeTheme: NativeThemeLike;
  shell: ShellLike;
}

export interface DesktopOptions {
  config: GatewayConfig;
  createGateway: GatewayFactory;
  consoleDir: string;
  preloadPath: string;
  iconPath?: string;
  secretsFile: JsonFile;
  windowStateFile: { read(): Promise<Partial<WindowState>>; write(state: WindowState): Promise<void> };
  files: { readText(path: string): Promise<string>; writeText(path: string, content: string): Promise<void> };
}

export interface Desktop {
  window: BrowserWindowLike;
  host: GatewayHost;
  handlers: IpcHandlers;
  close(): Promise<void>;
}

export async function startDesktop(electron: ElectronParts, options: DesktopOptions): Promise<Desktop> {
  // Per-launch console secret (docs/headers.md): every gateway of this launch requires it on its
  // console and library routes; only the window gets it (preload, top frame of the console origin).
  const consoleSecret = randomBytes(32).toString('base64url');
  const host = createGatewayHost(options.createGateway, { ...options.config, consoleSecret });
  const secrets = createSecretStore(electron.safeStorage, options.secretsFile);
  // Profile keys: the OS keychain; without one, a file only the user can read in the data folder.
  const dataDir = options.config.dataDir;
  const keys = secrets.available()
    ? keychainKeyStore(secrets)
    : dataDir
      ? fileKeyStore(join(dataDir, PROFILE_KEYS_FILE))
      : memoryKeyStore();
  const profiles = createProfileGateways(host, keys);
  const gateway = await host.startMain(options.consoleDir, {
    profiles,
    savedRequests: dataDir ? fileSavedRequests(dataDir) : memorySavedRequests(),
    rateLimitEditing: true,
  });
  const origin = originOf(gateway.url) ?? gateway.url;
  let win: BrowserWindowLike | null = null;

  const handlers: IpcHandlers = {
    'files:open': async (raw): Promise<OpenFileResult> => {
      const o = expectObject(raw ?? {}, 'options');
      const extensions = Array.isArray(o.extensions)
        ? o.extensions.filter((e): e is string => typeof e === 'string')
        : undefined;
      const res = await electron.dialog.showOpenDialog({
        title: typeof o.title === 'string' ? o.title : undefined,
        properties: ['openFile'],
        filters: extensions ? [{ name: 'Files', extensions }] : undefined,
      });
      const path = res.filePaths[0];
      if (res.canceled || !path) return { canceled: true };
      return { canceled: false, path, content: await options.files.readText(path) };
    },
    'files:save': async (raw) => {
      const o = expectObject(raw, 'options');
      const content = expectString(o.content, 'content', 256 * 1024 * 1024);
      const res = await electron.dialog.showSaveDialog({
        title: typeof o.title === 'string' ? o.title : undefined,
        defaultPath: typeof o.defaultName === 'string' ? o.defaultName : undefined,
      });
      if (res.canceled || !res.filePath) return { canceled: true };
      await options.files.writeText(res.filePath, content);
      return { canceled: false, path: res.filePath };
    },
    'secrets:set': (name, value) => secrets.set(expectString(name, 'name', 200), expectString(value, 'value', 16_384)),
    'secrets:delete': (name) => secrets.delete(expectString(name, 'name', 200)),
    'secrets:available': () => secrets.available(),
    'window:getState': () => (win ? windowStateOf(win) : null),
    'window:setTheme': (theme) => {
      if (theme !== 'light' && theme !== 'dark' && theme !== 'system')
        throw new Error(`unknown theme '${String(theme)}'`);
      electron.nativeTheme.themeSource = theme;
    },
    'gateway:info': () => ({ url: gateway.url, port: gateway.port }),
    'gateway:startForBackend': async (raw) => {
      const o = expectObject(raw, 'request');
      const request: BackendGatewayRequest = {
        profileId: expectString(o.profileId, 'profileId', 200),
        backendUrl: expectString(o.backendUrl, 'backendUrl', 2048),
        backendKind: o.backendKind === 'openai-chat' || o.backendKind === 'vllm-responses' ? o.backendKind : 'vllm',
      };
      // The key is read here, in the main process: the page never needs to hold it.
      const info = await profiles.connect(request, undefined);
      return { url: info.url };
    },
  };
  const unregisterIpc = registerIpc(electron.ipcMain, handlers, () => origin);
  const unregisterSecret = registerSyncValue(
    electron.ipcMain,
    CONSOLE_SECRET_CHANNEL,
    () => consoleSecret,
    () => origin,
  );
  const unregister = (): void => {
    unregisterIpc();
    unregisterSecret();
  };

  const saved = await options.windowStateFile.read();
  const state: WindowState | undefined =
    typeof saved.width === 'number' && typeof saved.height === 'number'
      ? { width: saved.width, height: saved.height, x: saved.x, y: saved.y, maximized: saved.maximized === true }
      : undefined;
  win = await createMainWindow(electron.BrowserWindow, {
    url: `${gateway.url}/`,
    preloadPath: options.preloadPath,
    iconPath: options.iconPath,
    state,
    shell: electron.shell,
  });
  const w = win;
  // close() waits for the last save, so quitting right after the window closes keeps the state;
  // a failed save is not worth a crash of the main process.
  let stateSaved: Promise<void> = Promise.resolve();
  w.on('close', () => {
    stateSaved = options.windowStateFile.write(windowStateOf(w)).catch(() => undefined);
  });

  return {
    window: w,
    host,
    handlers,
    async close() {
      unregister();
      await stateSaved;
      await host.closeAll();
    },
  };
}
