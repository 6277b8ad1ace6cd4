/**
 * Files in and out: the desktop window uses the preload's native dialogs; a browser downloads
 * through a temporary object URL and reads files the user picked or dropped.
 */
import { bridge } from './bridge.js';

/** Saves `text` under a name the user confirms; resolves to where it went, or null if cancelled. */
export async function saveTextFile(defaultName: string, text: string, mime: string): Promise<string | null> {
  const api = bridge();
  if (api) {
    const res = await api.files.save({ title: 'Export recording', defaultName, content: text });
    return res.canceled ? null : (res.path ?? defaultName);
  }
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = defaultName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked later: the download reads the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return defaultName;
}

/** Desktop only: the native open dialog (null when cancelled or in a browser). */
export async function openTextFileNative(extensions: string[]): Promise<{ name: string; text: string } | null> {
  const api = bridge();
  if (!api) return null;
  const res = await api.files.open({ title: 'Import recording', extensions });
  if (res.canceled || res.content === undefined) return null;
  return { name: res.path ?? 'file', text: res.content };
}

export async function readFiles(list: FileList | File[]): Promise<{ name: string; text: string }[]> {
  return Promise.all(Array.from(list).map(async (f) => ({ name: f.name, text: await f.text() })));
}
