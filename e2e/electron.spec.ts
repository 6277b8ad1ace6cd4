/**
 * The same console specs in the real desktop window, where an Electron binary exists (it cannot be
 * downloaded everywhere). Linux needs a display: run under Xvfb, e.g. `xvfb-run -a npm run test:e2e`.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { electronBinary } from '../src-main/launcher/electron-binary.js';

const binary = electronBinary();
const display = process.platform !== 'linux' || Boolean(process.env.DISPLAY);
const reason = !binary
  ? 'no Electron binary in node_modules/electron (it could not be downloaded here)'
  : !display
    ? 'no display: run under Xvfb (xvfb-run -a npm run test:e2e)'
    : '';
if (reason) console.log(`Electron e2e skipped: ${reason}`);

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe.skipIf(Boolean(reason))('console e2e in the Electron window', () => {
  let app: ElectronApplication;
  beforeAll(async () => {
    execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    app = await _electron.launch({ executablePath: binary!, args: ['.', '--log-level', 'warn'], cwd: ROOT });
  });
  afterAll(async () => {
    await app?.close();
  });

  test('window is sandboxed: no Node in the page, only the preload API', async () => {
    const page = await app.firstWindow();
    await page.getByTestId('topbar-health').and(page.locator('[data-state="ok"]')).waitFor();
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => Object.keys((window as unknown as { studio: object }).studio).sort())).toEqual([
      'files',
      'gateway',
      'secrets',
      'window',
    ]);
  });

  test('plain request: the completed text appears', async () => {
    const page = await app.firstWindow();
    await page.getByTestId('template-select').selectOption('plain');
    await page.getByTestId('send').click();
    await page.getByTestId('run-status').filter({ hasText: 'completed' }).waitFor({ timeout: 60_000 });
    expect((await page.getByTestId('assembled-text').first().innerText()).length).toBeGreaterThan(0);
  });

  test('simulator fault: a failed run with the error row', async () => {
    const page = await app.firstWindow();
    await page.getByTestId('fault').selectOption('error_chunk');
    await page.getByTestId('send').click();
    await page.getByTestId('run-status').filter({ hasText: 'failed' }).waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid="event-row"][data-type="error"]').count()).toBe(1);
  });
});
