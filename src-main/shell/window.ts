/** The console window: secure web preferences, restored bounds, hardened contents. */
import type { BrowserWindowCtor, BrowserWindowLike, ShellLike } from './electron-types.js';
import { hardenWebContents, installSessionPolicy, originOf, WINDOW_CSP } from './security.js';
import type { WindowState } from '../shared/studio-api.js';

export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webviewTag: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
} as const;

export interface MainWindowOptions {
  url: string;
  preloadPath: string;
  iconPath?: string;
  state?: WindowState;
  shell?: ShellLike;
}

export async function createMainWindow(
  BrowserWindow: BrowserWindowCtor,
  options: MainWindowOptions,
): Promise<BrowserWindowLike> {
  const origin = originOf(options.url);
  if (!origin) throw new Error(`console URL has no origin: ${options.url}`);
  const state = options.state;
  const win = new BrowserWindow({
    width: state?.width ?? 1440,
    height: state?.height ?? 900,
    x: state?.x,
    y: state?.y,
    show: false,
    title: 'Responses Studio',
    backgroundColor: '#11151f',
    icon: options.iconPath,
    webPreferences: { preload: options.preloadPath, ...SECURE_WEB_PREFERENCES },
  });
  installSessionPolicy(win.webContents.session, WINDOW_CSP, origin);
  hardenWebContents(win.webContents, origin, options.shell);
  win.once('ready-to-show', () => {
    if (state?.maximized) win.maximize();
    win.show();
  });
  await win.loadURL(options.url);
  return win;
}

export function windowStateOf(win: BrowserWindowLike): WindowState {
  const b = win.getBounds();
  return { width: b.width, height: b.height, x: b.x, y: b.y, maximized: win.isMaximized() };
}
