/**
 * The slice of Electron the shell uses, as structural types: the shell receives these objects
 * (the real `electron` module in the app, a fake in tests) instead of importing Electron.
 */
export interface WebContentsLike {
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: { preventDefault(): void }, url: string) => void,
  ): void;
  /** Every frame's navigations (subframes too); the event carries the URL. */
  on(
    event: 'will-frame-navigate',
    listener: (details: { url: string; isMainFrame: boolean; preventDefault(): void }) => void,
  ): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' | 'allow' }): void;
  session: SessionLike;
}

export interface SessionLike {
  webRequest: {
    onHeadersReceived(
      listener: (
        details: { url: string; responseHeaders?: Record<string, string[] | string> },
        callback: (response: { responseHeaders?: Record<string, string[] | string> }) => void,
      ) => void,
    ): void;
  };
  setPermissionRequestHandler(
    handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void;
  /** Synchronous permission checks (e.g. `navigator.permissions.query`, clipboard). */
  setPermissionCheckHandler(
    handler: (webContents: unknown, permission: string, requestingOrigin: string) => boolean,
  ): void;
}

export interface BrowserWindowLike {
  webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  getBounds(): { x: number; y: number; width: number; height: number };
  isMaximized(): boolean;
  maximize(): void;
  once(event: 'ready-to-show', listener: () => void): void;
  on(event: 'close' | 'closed', listener: () => void): void;
  show(): void;
}

export interface BrowserWindowOptionsLike {
  width: number;
  height: number;
  x?: number;
  y?: number;
  show: boolean;
  title: string;
  backgroundColor: string;
  icon?: string;
  webPreferences: {
    preload: string;
    contextIsolation: boolean;
    sandbox: boolean;
    nodeIntegration: boolean;
    nodeIntegrationInWorker: boolean;
    webviewTag: boolean;
    webSecurity: boolean;
    allowRunningInsecureContent: boolean;
  };
}

export type BrowserWindowCtor = new (options: BrowserWindowOptionsLike) => BrowserWindowLike;

export interface IpcMainInvokeEventLike {
  senderFrame: { url: string; parent: unknown } | null;
}

/** A `sendSync` message: the answer is whatever the listener sets as `returnValue`. */
export interface IpcMainEventLike extends IpcMainInvokeEventLike {
  returnValue: unknown;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcMainEventLike, ...args: unknown[]) => void): void;
  removeAllListeners(channel: string): void;
}

export interface SafeStorageLike {
  /**
   * Linux only: which secret store backs the encryption. `basic_text` means none (a hard-coded
   * key), so it is not trusted (secrets.ts).
   */
  getSelectedStorageBackend?(): string;
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export interface DialogLike {
  showOpenDialog(options: {
    title?: string;
    properties: string[];
    filters?: { name: string; extensions: string[] }[];
  }): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(options: { title?: string; defaultPath?: string }): Promise<{ canceled: boolean; filePath?: string }>;
}

export interface NativeThemeLike {
  themeSource: 'light' | 'dark' | 'system';
}

export interface ShellLike {
  openExternal(url: string): Promise<void>;
}
