/**
 * Preload: the typed StudioApi on `window.studio`, via contextBridge. Only `ipcRenderer.invoke`
 * on the fixed channel list; the page never gets ipcRenderer itself.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcChannel, StudioApi } from '../shared/studio-api.js';

const call = <T>(channel: IpcChannel, ...args: unknown[]): Promise<T> =>
  ipcRenderer.invoke(channel, ...args) as Promise<T>;

const api: StudioApi = {
  files: {
    open: (options) => call('files:open', options),
    save: (options) => call('files:save', options),
  },
  secrets: {
    set: (name, value) => call('secrets:set', name, value),
    get: (name) => call('secrets:get', name),
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
};

contextBridge.exposeInMainWorld('studio', api);
