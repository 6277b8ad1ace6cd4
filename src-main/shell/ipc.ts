/**
 * IPC: one handler per channel of the preload API, each refusing callers that are not the
 * console's top frame and arguments of the wrong shape.
 */
import { IPC_CHANNELS, type IpcChannel } from '../shared/studio-api.js';
import type { IpcMainInvokeEventLike, IpcMainLike } from './electron-types.js';
import { isTrustedSender } from './security.js';

export type IpcHandlers = Record<IpcChannel, (...args: unknown[]) => unknown>;

export class IpcRejected extends Error {}

export function registerIpc(ipcMain: IpcMainLike, handlers: IpcHandlers, allowedOrigin: () => string): () => void {
  for (const channel of IPC_CHANNELS) {
    ipcMain.handle(channel, (event: IpcMainInvokeEventLike, ...args: unknown[]) => {
      if (!isTrustedSender(event, allowedOrigin()))
        throw new IpcRejected(`${channel}: sender ${event.senderFrame?.url ?? '(none)'} is not the console`);
      return handlers[channel](...args);
    });
  }
  return () => IPC_CHANNELS.forEach((c) => ipcMain.removeHandler(c));
}

/**
 * A value the preload reads synchronously (`ipcRenderer.sendSync`), answered only to the console's
 * top frame (anyone else gets null).
 */
export function registerSyncValue(
  ipcMain: IpcMainLike,
  channel: string,
  value: () => unknown,
  allowedOrigin: () => string,
): () => void {
  ipcMain.on(channel, (event) => {
    event.returnValue = isTrustedSender(event, allowedOrigin()) ? value() : null;
  });
  return () => ipcMain.removeAllListeners(channel);
}

export function expectString(value: unknown, name: string, maxLength = 1_000_000): string {
  if (typeof value !== 'string' || value.length > maxLength)
    throw new IpcRejected(`${name} must be a string of at most ${maxLength} characters`);
  return value;
}

export function expectObject(value: unknown, name: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new IpcRejected(`${name} must be an object`);
  return value as Record<string, unknown>;
}
