/**
 * The preload API: the only things the window asks the main process for. Everything else goes
 * over HTTP to the gateway, so the console is the same in a browser. Types only, shared by the
 * preload script, the main process handlers and the renderer.
 */

export interface OpenFileResult {
  canceled: boolean;
  path?: string;
  content?: string;
}

export interface WindowState {
  width: number;
  height: number;
  x?: number;
  y?: number;
  maximized: boolean;
}

export interface BackendGatewayRequest {
  profileId: string;
  backendUrl: string;
  backendKind: 'vllm' | 'vllm-responses' | 'openai-chat';
}

export interface StudioApi {
  files: {
    open(options: { title?: string; extensions?: string[] }): Promise<OpenFileResult>;
    save(options: {
      title?: string;
      defaultName?: string;
      content: string;
    }): Promise<{ canceled: boolean; path?: string }>;
  };
  secrets: {
    /**
     * Encrypted with the OS keychain (safeStorage) before it touches disk. There is no `get`: the
     * main process reads a profile's key itself and gives it to that profile's gateway.
     */
    set(name: string, value: string): Promise<void>;
    delete(name: string): Promise<void>;
    available(): Promise<boolean>;
  };
  window: {
    getState(): Promise<WindowState>;
    setTheme(theme: 'light' | 'dark' | 'system'): Promise<void>;
  };
  gateway: {
    /** The embedded gateway the window was loaded from. */
    info(): Promise<{ url: string; port: number }>;
    /** Starts (or reuses) an in-process gateway for a backend profile; its key comes from the keychain. */
    startForBackend(request: BackendGatewayRequest): Promise<{ url: string }>;
  };
  /**
   * This launch's console secret: the gateway client sends it on every request (header
   * `X-Studio-Console-Secret`, docs/headers.md); the console and library routes of the app's
   * gateways require it. Read once, synchronously, when the preload runs.
   */
  consoleSecret: string | null;
}

/** The one synchronous channel (`ipcRenderer.sendSync`): the preload reads the console secret. */
export const CONSOLE_SECRET_CHANNEL = 'console:secret';

/** IPC channel names, one per method; the main process accepts nothing else. */
export const IPC_CHANNELS = [
  'files:open',
  'files:save',
  'secrets:set',
  'secrets:delete',
  'secrets:available',
  'window:getState',
  'window:setTheme',
  'gateway:info',
  'gateway:startForBackend',
] as const;

export type IpcChannel = (typeof IPC_CHANNELS)[number];
