/**
 * Preload: the typed StudioApi on `window.studio`, via contextBridge. Only `ipcRenderer.invoke`
 * on the fixed channel list, plus one `sendSync` for the console secret; the page never gets
 * ipcRenderer itself.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { CONSOLE_SECRET_CHANNEL, type IpcChannel, type StudioApi } from '../shared/studio-api.js';

const call = <T>(channel: IpcChannel, ...args: unknown[]): Promise<T> =>
  ipcRenderer.invoke(channel, ...args) as Promise<T>;

const api: StudioApi = {
  files: {
    open: (options) => call('files:open', options),
    save: (options) => call('files:save', options),
  },
  secrets: {
    set: (name, value) => call('secrets:set', name, value),
    delete: (name) => call('secrets:delete', name),
    available: () => call('secrets:available'),
  },
  window: {
    getState: () => call('window:getState'),
    setTheme: (theme) => call('window:setTheme', theme),
  },
  gateway: {
    info: () => call('gateway:info'),
    startForBackend: (request) => call('gateway:startForBackend', request),
  },
  // Synchronous once, so the gateway client has it before the page's first request.
  consoleSecret: (ipcRenderer.sendSync(CONSOLE_SECRET_CHANNEL) as string | null) ?? null,
};

contextBridge.exposeInMainWorld('studio', api);
