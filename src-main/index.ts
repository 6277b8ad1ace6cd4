/** Electron main process entry: the real `electron` module handed to the shell. */
import { app, BrowserWindow, dialog, ipcMain, nativeTheme, safeStorage, shell, type OpenDialogOptions } from 'electron';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGateway } from '../src-server/gateway.js';
import { consoleGatewayConfig } from './launcher/console-config.js';
import { watchLifeline } from './launcher/lifeline.js';
import { startDesktop, type Desktop, type ElectronParts } from './shell/desktop.js';
import type { BrowserWindowCtor } from './shell/electron-types.js';
import { jsonFile } from './shell/json-file.js';
import type { WindowState } from './shared/studio-api.js';

const here = fileURLToPath(new URL('.', import.meta.url));
let desktop: Desktop | null = null;

app.enableSandbox();
if (!app.requestSingleInstanceLock()) app.quit();
// Started by `npm start` (launch.ts): quit when the launcher is gone, however it ended.
watchLifeline(() => app.quit());

app.on('web-contents-created', (_e, contents) => {
  // Defence in depth: no webviews, whatever the page tries.
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app
  .whenReady()
  .then(async () => {
    // Flags after `--` (e.g. `npm start -- --backend http://127.0.0.1:8000`) configure the built-in gateway.
    const argv = process.argv.slice(app.isPackaged ? 1 : 2).filter((a) => a !== '.');
    const userData = app.getPath('userData');
    // Recording on, store in the user-data folder (docs/console.md); flags after `--` still win.
    const { config } = consoleGatewayConfig(argv, { dataDir: userData });
    const parts: ElectronParts = {
      BrowserWindow: BrowserWindow as unknown as BrowserWindowCtor,
      ipcMain,
      safeStorage,
      nativeTheme,
      shell,
      // Electron's dialog functions are overloaded (with/without a parent window); the shell uses the windowless form.
      dialog: {
        showOpenDialog: (o) => dialog.showOpenDialog(o as OpenDialogOptions),
        showSaveDialog: (o) => dialog.showSaveDialog(o),
      },
    };
    desktop = await startDesktop(parts, {
      config,
      createGateway,
      consoleDir: join(here, '../renderer'),
      preloadPath: join(here, '../preload/index.cjs'),
      iconPath: join(here, '../../assets/icon.png'),
      secretsFile: jsonFile<Record<string, string>>(join(userData, 'secrets.json'), {}),
      windowStateFile: jsonFile<Partial<WindowState>>(join(userData, 'window-state.json'), {}),
      files: { readText: (p) => readFile(p, 'utf8'), writeText: (p, c) => writeFile(p, c) },
    });
  })
  .catch((e: unknown) => {
    dialog.showErrorBox('Responses Studio could not start', e instanceof Error ? (e.stack ?? e.message) : String(e));
    app.exit(1);
  });

app.on('window-all-closed', () => {
  void (desktop?.close() ?? Promise.resolve()).finally(() => app.quit());
});
