/**
 * A fake of the Electron parts the shell uses, recording what the shell did to it. Lets the
 * shell's security and IPC logic be tested where no Electron binary exists.
 */
import type {
  BrowserWindowLike,
  BrowserWindowOptionsLike,
  IpcMainEventLike,
  IpcMainInvokeEventLike,
  SafeStorageLike,
  SessionLike,
  WebContentsLike,
} from './electron-types.js';
import type { ElectronParts } from './desktop.js';

type NavListener = (event: { preventDefault(): void }, url: string) => void;
type FrameNavListener = (details: { url: string; isMainFrame: boolean; preventDefault(): void }) => void;
type HeadersListener = Parameters<SessionLike['webRequest']['onHeadersReceived']>[0];
type PermissionHandler = Parameters<SessionLike['setPermissionRequestHandler']>[0];
type PermissionCheck = Parameters<SessionLike['setPermissionCheckHandler']>[0];

export class FakeWebContents implements WebContentsLike {
  navListeners: Record<string, NavListener[]> = {};
  frameNavListeners: FrameNavListener[] = [];
  openHandler: ((d: { url: string }) => { action: 'deny' | 'allow' }) | null = null;
  headersListener: HeadersListener | null = null;
  permissionHandler: PermissionHandler | null = null;
  permissionCheck: PermissionCheck | null = null;
  session: SessionLike = {
    webRequest: { onHeadersReceived: (l) => (this.headersListener = l) },
    setPermissionRequestHandler: (h) => (this.permissionHandler = h),
    setPermissionCheckHandler: (h) => (this.permissionCheck = h),
  };
  on(event: 'will-navigate' | 'will-redirect', listener: NavListener): void;
  on(event: 'will-frame-navigate', listener: FrameNavListener): void;
  on(event: string, listener: NavListener | FrameNavListener): void {
    if (event === 'will-frame-navigate') this.frameNavListeners.push(listener as FrameNavListener);
    else (this.navListeners[event] ??= []).push(listener as NavListener);
  }
  /** Simulates a frame (main or sub) starting a navigation; true when the shell prevented it. */
  navigateFrame(url: string, isMainFrame: boolean): boolean {
    let prevented = false;
    for (const l of this.frameNavListeners) l({ url, isMainFrame, preventDefault: () => (prevented = true) });
    return prevented;
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
  listeners = new Map<string, ((event: IpcMainEventLike, ...args: unknown[]) => void)[]>();
  on(channel: string, listener: (event: IpcMainEventLike, ...args: unknown[]) => void): void {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
  }
  removeAllListeners(channel: string): void {
    this.listeners.delete(channel);
  }
  /** `ipcRenderer.sendSync` from a frame at `url`: the listener's returnValue. */
  sendSync(channel: string, from: { url: string; parent?: unknown } | null, ...args: unknown[]): unknown {
    const event: IpcMainEventLike = {
      senderFrame: from ? { url: from.url, parent: from.parent ?? null } : null,
      returnValue: undefined,
    };
    for (const l of this.listeners.get(channel) ?? []) l(event, ...args);
    return event.returnValue;
  }
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
  /** `backend`: what Linux's getSelectedStorageBackend() reports (undefined: not Linux). */
  constructor(
    public availableFlag = true,
    private readonly backend?: string,
  ) {
    if (backend === undefined) this.getSelectedStorageBackend = undefined;
  }
  getSelectedStorageBackend?: () => string = () => this.backend ?? 'unknown';
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
