/**
 * A fake of the Electron parts the shell uses, recording what the shell did to it. Lets the
 * shell's security and IPC logic be tested where no Electron binary exists.
 */
import type {
  BrowserWindowLike,
  BrowserWindowOptionsLike,
  IpcMainInvokeEventLike,
  SafeStorageLike,
  SessionLike,
  WebContentsLike,
} from './electron-types.js';
import type { ElectronParts } from './desktop.js';

type NavListener = (event: { preventDefault(): void }, url: string) => void;
type HeadersListener = Parameters<SessionLike['webRequest']['onHeadersReceived']>[0];
type PermissionHandler = Parameters<SessionLike['setPermissionRequestHandler']>[0];

export class FakeWebContents implements WebContentsLike {
  navListeners: Record<string, NavListener[]> = {};
  openHandler: ((d: { url: string }) => { action: 'deny' | 'allow' }) | null = null;
  headersListener: HeadersListener | null = null;
  permissionHandler: PermissionHandler | null = null;
  session: SessionLike = {
    webRequest: { onHeadersReceived: (l) => (this.headersListener = l) },
    setPermissionRequestHandler: (h) => (this.permissionHandler = h),
  };
  on(event: 'will-navigate' | 'will-redirect', listener: NavListener): void {
    (this.navListeners[event] ??= []).push(listener);
  }
  setWindowOpenHandler(handler: (d: { url: string }) => { action: 'deny' | 'allow' }): void {
    this.openHandler = handler;
  }
  /** Simulates a navigation attempt; true when the shell prevented it. */
  navigate(event: 'will-navigate' | 'will-redirect', url: string): boolean {
    let prevented = false;
    for (const l of this.navListeners[event] ?? []) l({ preventDefault: () => (prevented = true) }, url);
    return prevented;
  }
}

export class FakeBrowserWindow implements BrowserWindowLike {
  static instances: FakeBrowserWindow[] = [];
  webContents = new FakeWebContents();
  loaded: string[] = [];
  shown = false;
  maximized = false;
  listeners: Record<string, (() => void)[]> = {};
  constructor(public options: BrowserWindowOptionsLike) {
    FakeBrowserWindow.instances.push(this);
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    for (const l of this.listeners['ready-to-show'] ?? []) l();
  }
  getBounds() {
    return { x: this.options.x ?? 0, y: this.options.y ?? 0, width: this.options.width, height: this.options.height };
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  maximize(): void {
    this.maximized = true;
  }
  once(event: 'ready-to-show', listener: () => void): void {
    (this.listeners[event] ??= []).push(listener);
  }
  on(event: 'close' | 'closed', listener: () => void): void {
    (this.listeners[event] ??= []).push(listener);
  }
  show(): void {
    this.shown = true;
  }
  emit(event: string): void {
    for (const l of this.listeners[event] ?? []) l();
  }
}

export class FakeIpcMain {
  handlers = new Map<string, (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** Calls a channel as a renderer frame at `url` would (`parent` set for a subframe). */
  async invoke(channel: string, from: { url: string; parent?: unknown } | null, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return h({ senderFrame: from ? { url: from.url, parent: from.parent ?? null } : null }, ...args);
  }
}

/** Reversible "encryption" that is visibly not plain text, standing in for the OS keychain. */
export class FakeSafeStorage implements SafeStorageLike {
  constructor(public availableFlag = true) {}
  isEncryptionAvailable(): boolean {
    return this.availableFlag;
  }
  encryptString(plain: string): Buffer {
    return Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a));
  }
  decryptString(encrypted: Buffer): string {
    return Buffer.from(encrypted.map((b) => b ^ 0x5a)).toString('utf8');
  }
}

export function fakeElectron(
  overrides: Partial<ElectronParts> = {},
): ElectronParts & { ipcMain: FakeIpcMain; opened: string[] } {
  const opened: string[] = [];
  return {
    BrowserWindow: FakeBrowserWindow,
    ipcMain: new FakeIpcMain(),
    safeStorage: new FakeSafeStorage(),
    dialog: {
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showSaveDialog: async () => ({ canceled: true }),
    },
    nativeTheme: { themeSource: 'system' },
    shell: { openExternal: async (url: string) => void opened.push(url) },
    opened,
    ...overrides,
  } as ElectronParts & { ipcMain: FakeIpcMain; opened: string[] };
}
