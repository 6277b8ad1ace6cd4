/**
 * Window hardening: the page may only show the console's own origin. Navigation elsewhere (of the
 * window or of any frame in it) and new windows are refused (https links go to the OS browser),
 * every response gets the CSP, no permission (camera, notifications…) is granted or reported as
 * granted — except clipboard writes by the console itself — and IPC answers only the console's
 * main frame.
 */
import type { IpcMainInvokeEventLike, SessionLike, ShellLike, WebContentsLike } from './electron-types.js';
import { CSP_DIRECTIVES } from '../shared/csp.js';

export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.origin === 'null' ? null : u.origin;
  } catch {
    return null;
  }
}

export function isSameOrigin(url: string, allowedOrigin: string): boolean {
  return originOf(url) === allowedOrigin;
}

export function hardenWebContents(contents: WebContentsLike, allowedOrigin: string, shell?: ShellLike): void {
  const guard = (event: { preventDefault(): void }, url: string) => {
    if (!isSameOrigin(url, allowedOrigin)) event.preventDefault();
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  // Subframes too (will-navigate covers only the main frame): no frame may load another origin.
  contents.on('will-frame-navigate', (details) => {
    if (!isSameOrigin(details.url, allowedOrigin)) details.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (shell && /^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

/** The only permission the console uses: copying (copy as curl, ids) to the clipboard. */
const CONSOLE_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export function installSessionPolicy(session: SessionLike, csp: string, allowedOrigin: string): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...(details.responseHeaders ?? {}) };
    for (const key of Object.keys(headers)) if (key.toLowerCase() === 'content-security-policy') delete headers[key];
    headers['Content-Security-Policy'] = [csp];
    callback({ responseHeaders: headers });
  });
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(
    (_wc, permission, requestingOrigin) =>
      CONSOLE_PERMISSIONS.has(permission) && originOf(requestingOrigin) === allowedOrigin,
  );
}

/** Only the top frame of the console's origin may call the main process. */
export function isTrustedSender(event: IpcMainInvokeEventLike, allowedOrigin: string): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent) return false;
  return isSameOrigin(frame.url, allowedOrigin);
}

export const WINDOW_CSP = [...CSP_DIRECTIVES, "frame-ancestors 'none'"].join('; ');
