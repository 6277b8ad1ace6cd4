import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { defaultConfig, type GatewayConfig } from '../../src-server/config/flags.js';
import { createGateway } from '../../src-server/gateway.js';
import { CONSOLE_SECRET_HEADER } from '../../src-server/shared/protocol/console-auth.js';
import { CONSOLE_SECRET_CHANNEL, IPC_CHANNELS, type WindowState } from '../shared/studio-api.js';
import { startDesktop, type Desktop } from './desktop.js';
import { fakeElectron, FakeBrowserWindow, FakeSafeStorage } from './fake-electron.js';
import { jsonFile } from './json-file.js';
import { WINDOW_CSP } from './security.js';

let dir: string;
let desktop: Desktop | null = null;

async function start(electron = fakeElectron(), config: Partial<GatewayConfig> = {}) {
  const consoleDir = join(dir, 'console');
  await import('node:fs/promises').then((fs) => fs.mkdir(consoleDir, { recursive: true }));
  await writeFile(join(consoleDir, 'index.html'), '<!doctype html><title>console under test</title>');
  desktop = await startDesktop(electron, {
    config: { ...defaultConfig(), logLevel: 'silent', ...config },
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

  test(
    'secrets are stored encrypted by the keychain and never handed back to the window',
    { tags: ['U10'] },
    async () => {
      // Behaviour change: `secrets:get` is gone; the main process gives the key to the profile's gateway.
      const { electron, origin } = await start();
      const me = { url: `${origin}/` };
      await electron.ipcMain.invoke('secrets:set', me, 'profile:remote', 'sk-very-secret');
      const onDisk = await readFile(join(dir, 'secrets.json'), 'utf8');
      expect(onDisk).not.toContain('sk-very-secret');
      expect(IPC_CHANNELS).not.toContain('secrets:get');
      await expect(electron.ipcMain.invoke('secrets:get', me, 'profile:remote')).rejects.toThrow(/no handler/);
      await electron.ipcMain.invoke('secrets:delete', me, 'profile:remote');
      expect(JSON.parse(await readFile(join(dir, 'secrets.json'), 'utf8'))).toEqual({});
      await expect(electron.ipcMain.invoke('secrets:set', me, 42, 'x')).rejects.toThrow(/name must be a string/);
    },
  );

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

/** A Chat Completions backend that remembers the Authorization header of each request. */
async function recordingBackend(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(String(req.headers.authorization ?? ''));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'remote-model', object: 'model' }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

describe('desktop shell: hardening', { tags: ['U10'] }, () => {
  test("a profile's key goes from the keychain to its gateway's backend requests, never to the window", async () => {
    const backend = await recordingBackend();
    try {
      const { electron, origin } = await start();
      const me = { url: `${origin}/` };
      await electron.ipcMain.invoke('secrets:set', me, 'profile:remote', 'sk-remote-profile-key');
      const g = (await electron.ipcMain.invoke('gateway:startForBackend', me, {
        profileId: 'remote',
        backendUrl: backend.url,
        backendKind: 'openai-chat',
      })) as { url: string };
      expect(JSON.stringify(g)).not.toContain('sk-remote-profile-key');
      const models = (await (await fetch(`${g.url}/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((m) => m.id)).toEqual(['remote-model']);
      expect(backend.seen).toContain('Bearer sk-remote-profile-key');
    } finally {
      await backend.close();
    }
  });

  test('subframes may not navigate to another origin; the console origin may', async () => {
    const { win, origin } = await start();
    expect(win.webContents.navigateFrame('https://evil.test/', false)).toBe(true);
    expect(win.webContents.navigateFrame('https://evil.test/', true)).toBe(true);
    expect(win.webContents.navigateFrame('http://127.0.0.1:1/', false)).toBe(true);
    expect(win.webContents.navigateFrame(`${origin}/frame`, false)).toBe(false);
  });

  test('permission checks answer no, except clipboard writes by the console itself', async () => {
    const { win, origin } = await start();
    const check = win.webContents.permissionCheck!;
    expect(check(null, 'media', origin)).toBe(false);
    expect(check(null, 'notifications', origin)).toBe(false);
    expect(check(null, 'clipboard-read', origin)).toBe(false);
    expect(check(null, 'clipboard-sanitized-write', origin)).toBe(true);
    expect(check(null, 'clipboard-sanitized-write', 'https://evil.test')).toBe(false);
  });

  test('Linux safeStorage without a secret service (basic_text) is not trusted with keys', async () => {
    const { electron, origin } = await start(fakeElectron({ safeStorage: new FakeSafeStorage(true, 'basic_text') }));
    const me = { url: `${origin}/` };
    expect(await electron.ipcMain.invoke('secrets:available', me)).toBe(false);
    await expect(electron.ipcMain.invoke('secrets:set', me, 'k', 'sk-xyz')).rejects.toThrow(
      /keychain is not available/,
    );
    await desktop!.close();
    desktop = null;
    const trusted = await start(fakeElectron({ safeStorage: new FakeSafeStorage(true, 'gnome_libsecret') }));
    expect(await trusted.electron.ipcMain.invoke('secrets:available', { url: `${trusted.origin}/` })).toBe(true);
  });

  test("the electron-builder config sets the fuses and passes electron-builder's own schema", async () => {
    const require = createRequire(import.meta.url);
    const { load } = require('js-yaml') as { load(text: string): Record<string, unknown> };
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(config: unknown, log: { add(): void; isEnabled: boolean }): Promise<void>;
    };
    const config = load(await readFile(new URL('../../electron-builder.yml', import.meta.url), 'utf8'));
    await validateConfiguration(config, { add: () => undefined, isEnabled: false });
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});

describe('desktop shell: per-launch console secret', { tags: ['U10', 'X5'] }, () => {
  test('the preload gets the secret (console top frame only); the gateways require it on console routes', async () => {
    const { electron, origin } = await start();
    const secret = electron.ipcMain.sendSync(CONSOLE_SECRET_CHANNEL, { url: `${origin}/` }) as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(electron.ipcMain.sendSync(CONSOLE_SECRET_CHANNEL, { url: 'https://evil.test/' })).toBeNull();
    expect(electron.ipcMain.sendSync(CONSOLE_SECRET_CHANNEL, { url: `${origin}/`, parent: {} })).toBeNull();

    const without = await fetch(`${origin}/v1/recordings`);
    expect(without.status).toBe(403);
    expect(((await without.json()) as { error: { code: string } }).error.code).toBe('console_secret_required');
    const wrong = await fetch(`${origin}/v1/recordings`, { headers: { [CONSOLE_SECRET_HEADER]: 'guess' } });
    expect(wrong.status).toBe(403);
    const right = await fetch(`${origin}/v1/recordings`, { headers: { [CONSOLE_SECRET_HEADER]: secret } });
    expect(right.status).toBe(200);
    // The public API does not need it (SDK clients on this machine keep working).
    expect((await fetch(`${origin}/v1/models`)).status).toBe(200);
  });

  test("profile gateways accept the console's origin and secret, and nothing else, on their console routes", async () => {
    const { electron, origin } = await start();
    const me = { url: `${origin}/` };
    const secret = electron.ipcMain.sendSync(CONSOLE_SECRET_CHANNEL, me) as string;
    const caps = (await (await fetch(`${origin}/v1/capabilities`)).json()) as { backend: { url: string } };
    const profile = (await electron.ipcMain.invoke('gateway:startForBackend', me, {
      profileId: 'vllm-local',
      backendUrl: caps.backend.url,
      backendKind: 'vllm',
    })) as { url: string };
    const preflight = await fetch(`${profile.url}/v1/recordings`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': CONSOLE_SECRET_HEADER,
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-headers')).toBe(CONSOLE_SECRET_HEADER);
    const fromConsole = await fetch(`${profile.url}/v1/recordings`, {
      headers: { origin, [CONSOLE_SECRET_HEADER]: secret },
    });
    expect(fromConsole.status).toBe(200);
    expect(fromConsole.headers.get('access-control-allow-origin')).toBe(origin);
    const noSecret = await fetch(`${profile.url}/v1/recordings`, { headers: { origin } });
    expect(noSecret.status).toBe(403);
    const evil = await fetch(`${profile.url}/v1/recordings`, {
      headers: { origin: 'http://evil.test', [CONSOLE_SECRET_HEADER]: secret },
    });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('the built-in gateway re-runs a recording against a started profile by its id, and nothing else', async () => {
    // Recording on, as the app runs it (launcher/console-config.ts).
    const { electron, origin } = await start(fakeElectron(), { record: 'on' });
    const me = { url: `${origin}/` };
    const secret = electron.ipcMain.sendSync(CONSOLE_SECRET_CHANNEL, me) as string;
    const caps = (await (await fetch(`${origin}/v1/capabilities`)).json()) as { backend: { url: string } };
    const run = await fetch(`${origin}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-chat', input: 'Re-run me on a profile' }),
    });
    const requestId = run.headers.get('x-request-id');
    await run.text();
    const auth = { [CONSOLE_SECRET_HEADER]: secret, 'content-type': 'application/json' };
    let id: string | undefined;
    await expect
      .poll(async () => {
        const list = (await (await fetch(`${origin}/v1/recordings`, { headers: auth })).json()) as {
          data: { id: string; requestId: string; status: string }[];
        };
        id = list.data.find((r) => r.requestId === requestId && r.status === 'completed')?.id;
        return id;
      })
      .toBeDefined();
    const rerun = (target: string) =>
      fetch(`${origin}/v1/recordings/${id}/rerun`, { method: 'POST', headers: auth, body: JSON.stringify({ target }) });
    const unknown = await rerun('vllm-local');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { param: string } }).error.param).toBe('target');
    await electron.ipcMain.invoke('gateway:startForBackend', me, {
      profileId: 'vllm-local',
      backendUrl: caps.backend.url,
      backendKind: 'vllm',
    });
    const ok = await rerun('vllm-local');
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { runs: string[]; diffs: { diff: { equal: boolean } }[] };
    expect(body.runs).toHaveLength(1);
    expect(body.diffs[0].diff.equal).toBe(true);
  });
});
