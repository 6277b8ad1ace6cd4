import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src-server/config/flags.js';
import { createGateway } from '../../src-server/gateway.js';
import { IPC_CHANNELS, type WindowState } from '../shared/studio-api.js';
import { startDesktop, type Desktop } from './desktop.js';
import { fakeElectron, FakeBrowserWindow, FakeSafeStorage } from './fake-electron.js';
import { jsonFile } from './json-file.js';
import { WINDOW_CSP } from './security.js';

let dir: string;
let desktop: Desktop | null = null;

async function start(electron = fakeElectron()) {
  const consoleDir = join(dir, 'console');
  await import('node:fs/promises').then((fs) => fs.mkdir(consoleDir, { recursive: true }));
  await writeFile(join(consoleDir, 'index.html'), '<!doctype html><title>console under test</title>');
  desktop = await startDesktop(electron, {
    config: { ...defaultConfig(), logLevel: 'silent' },
    createGateway,
    consoleDir,
    preloadPath: '/app/out/preload/index.cjs',
    secretsFile: jsonFile<Record<string, string>>(join(dir, 'secrets.json'), {}),
    windowStateFile: jsonFile<Partial<WindowState>>(join(dir, 'window-state.json'), {}),
    files: { readText: (p) => readFile(p, 'utf8'), writeText: (p, c) => writeFile(p, c) },
  });
  const win = FakeBrowserWindow.instances[FakeBrowserWindow.instances.length - 1];
  const url = win.loaded[0];
  return { electron, win, url, origin: new URL(url).origin };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-shell-'));
  FakeBrowserWindow.instances = [];
});
afterEach(async () => {
  await desktop?.close();
  desktop = null;
  await rm(dir, { recursive: true, force: true });
});

describe('desktop shell: window and embedded gateway', () => {
  test('opens one window with locked-down web preferences on the in-process gateway, which serves the console', async () => {
    const { win, url } = await start();
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      preload: '/app/out/preload/index.cjs',
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(win.shown).toBe(true);
    const page = await fetch(url);
    expect(await page.text()).toContain('console under test');
    const health = await fetch(new URL('/healthz', url));
    expect(health.status).toBe(200);
  });

  test('navigation away from the console origin and redirects elsewhere are blocked', async () => {
    const { win, origin } = await start();
    expect(win.webContents.navigate('will-navigate', 'https://example.com/')).toBe(true);
    expect(win.webContents.navigate('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(win.webContents.navigate('will-redirect', 'http://127.0.0.1:1/')).toBe(true);
    expect(win.webContents.navigate('will-navigate', `${origin}/settings`)).toBe(false);
  });

  test('new windows are denied; https links go to the OS browser, nothing else does', async () => {
    const { win, electron } = await start();
    const open = win.webContents.openHandler!;
    expect(open({ url: 'https://platform.openai.com/docs' })).toEqual({ action: 'deny' });
    expect(open({ url: 'http://evil.test/' })).toEqual({ action: 'deny' });
    expect(open({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(electron.opened).toEqual(['https://platform.openai.com/docs']);
  });

  test('every response gets the CSP (replacing any other), and permission requests are refused', async () => {
    const { win } = await start();
    let headers: Record<string, string[] | string> | undefined;
    win.webContents.headersListener!(
      { url: 'http://127.0.0.1/', responseHeaders: { 'content-security-policy': ['default-src *'], 'x-other': ['1'] } },
      (r) => (headers = r.responseHeaders),
    );
    expect(headers).toEqual({ 'x-other': ['1'], 'Content-Security-Policy': [WINDOW_CSP] });
    expect(WINDOW_CSP).toContain("script-src 'self'");
    expect(WINDOW_CSP).not.toContain('unsafe-eval');
    let granted: boolean | undefined;
    win.webContents.permissionHandler!(null, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
  });

  test('window bounds are saved on close and restored on the next start', { tags: ['U10'] }, async () => {
    const first = await start();
    first.win.maximized = true;
    first.win.emit('close');
    // close() waits for the window state to be saved.
    await desktop!.close();
    desktop = null;
    const second = await start();
    expect(second.win.options.width).toBe(1440);
    expect(second.win.maximized).toBe(true);
  });
});

describe('desktop shell: IPC', () => {
  test('registers exactly the preload channels', async () => {
    const { electron } = await start();
    expect([...electron.ipcMain.handlers.keys()].sort()).toEqual([...IPC_CHANNELS].sort());
  });

  test('rejects senders that are not the console top frame', async () => {
    const { electron, origin } = await start();
    await expect(electron.ipcMain.invoke('gateway:info', { url: 'https://evil.test/' })).rejects.toThrow(
      /not the console/,
    );
    await expect(electron.ipcMain.invoke('gateway:info', { url: `${origin}/`, parent: {} })).rejects.toThrow(
      /not the console/,
    );
    await expect(electron.ipcMain.invoke('gateway:info', null)).rejects.toThrow(/not the console/);
    const info = (await electron.ipcMain.invoke('gateway:info', { url: `${origin}/` })) as { url: string };
    expect(info.url).toBe(origin);
  });

  test('secrets are stored encrypted by the keychain and read back', async () => {
    const { electron, origin } = await start();
    const me = { url: `${origin}/` };
    await electron.ipcMain.invoke('secrets:set', me, 'profile:remote', 'sk-very-secret');
    const onDisk = await readFile(join(dir, 'secrets.json'), 'utf8');
    expect(onDisk).not.toContain('sk-very-secret');
    expect(await electron.ipcMain.invoke('secrets:get', me, 'profile:remote')).toBe('sk-very-secret');
    await electron.ipcMain.invoke('secrets:delete', me, 'profile:remote');
    expect(await electron.ipcMain.invoke('secrets:get', me, 'profile:remote')).toBeNull();
    await expect(electron.ipcMain.invoke('secrets:set', me, 42, 'x')).rejects.toThrow(/name must be a string/);
  });

  test('without a keychain, secrets are refused rather than written in plain text', async () => {
    const { electron, origin } = await start(fakeElectron({ safeStorage: new FakeSafeStorage(false) }));
    await expect(electron.ipcMain.invoke('secrets:set', { url: `${origin}/` }, 'k', 'v')).rejects.toThrow(
      /keychain is not available/,
    );
    expect(await electron.ipcMain.invoke('secrets:available', { url: `${origin}/` })).toBe(false);
  });

  test('a backend profile gets its own gateway, reused on the next call', async () => {
    const { electron, origin } = await start();
    const me = { url: `${origin}/` };
    // The built-in simulator speaks Chat Completions, so it can stand in for a vLLM server.
    const caps = (await (await fetch(`${origin}/v1/capabilities`)).json()) as { backend: { url: string } };
    const backendUrl = caps.backend.url;
    const req = { profileId: 'vllm-local', backendUrl, backendKind: 'vllm' };
    const a = (await electron.ipcMain.invoke('gateway:startForBackend', me, req)) as { url: string };
    const b = (await electron.ipcMain.invoke('gateway:startForBackend', me, req)) as { url: string };
    expect(a.url).toBe(b.url);
    expect(a.url).not.toBe(origin);
    const models = (await (await fetch(`${a.url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toContain('sim-chat');
    await expect(
      electron.ipcMain.invoke('gateway:startForBackend', me, { ...req, profileId: 'x', backendUrl: 'not a url' }),
    ).rejects.toThrow(/not a URL/);
    await expect(
      electron.ipcMain.invoke('gateway:startForBackend', me, { ...req, profileId: 'y', backendUrl: 'file:///etc' }),
    ).rejects.toThrow(/http/);
  });

  test('theme requests reach nativeTheme and unknown themes are refused', async () => {
    const { electron, origin } = await start();
    await electron.ipcMain.invoke('window:setTheme', { url: `${origin}/` }, 'light');
    expect(electron.nativeTheme.themeSource).toBe('light');
    await expect(electron.ipcMain.invoke('window:setTheme', { url: `${origin}/` }, 'pink')).rejects.toThrow(
      /unknown theme/,
    );
  });
});
