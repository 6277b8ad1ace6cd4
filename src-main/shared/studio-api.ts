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
  backendKind: 'vllm' | 'openai-chat';
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
    /** Encrypted with the OS keychain (safeStorage) before it touches disk. */
    set(name: string, value: string): Promise<void>;
    get(name: string): Promise<string | null>;
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
}

/** IPC channel names, one per method; the main process accepts nothing else. */
export const IPC_CHANNELS = [
  'files:open',
  'files:save',
  'secrets:set',
  'secrets:get',
  'secrets:delete',
  'secrets:available',
  'window:getState',
  'window:setTheme',
  'gateway:info',
  'gateway:startForBackend',
] as const;

export type IpcChannel = (typeof IPC_CHANNELS)[number];
