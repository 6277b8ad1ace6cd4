/**
 * The console in Debian's Chromium against web mode (console + gateway on one loopback port,
 * started here on port 0). Nothing leaves 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Gateway } from '../src-server/gateway.js';
import { startWebMode } from '../src-main/launcher/web-mode.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
export const hasChromium = existsSync(CHROMIUM_PATH);

export interface Harness {
  gateway: Gateway;
  browser: Browser;
  /** Page errors and console errors seen so far (a test fails on unexpected ones). */
  pageErrors: string[];
  /** A page on the console, once the top bar shows the gateway's health (`health`, default ok). */
  open(options?: { theme?: 'dark' | 'light'; width?: number; height?: number; health?: 'ok' | 'down' }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * One harness for the describe block it is called in: started before its tests, closed after
 * them, and a page error (or blocked external request) fails the test that caused it. The value
 * stands for the harness once the block has started.
 */
export function suiteHarness(argv: string[] = []): Harness {
  let started: Harness | undefined;
  beforeAll(async () => {
    started = await startHarness(argv);
  });
  afterEach(() => {
    expect(started?.pageErrors.splice(0) ?? []).toEqual([]);
  });
  afterAll(async () => {
    await started?.close();
  });
  const current = (): Harness => {
    if (!started) throw new Error('the harness starts in beforeAll: use it inside a test');
    return started;
  };
  return {
    get gateway() {
      return current().gateway;
    },
    get browser() {
      return current().browser;
    },
    get pageErrors() {
      return current().pageErrors;
    },
    open: (options) => current().open(options),
    close: () => current().close(),
  };
}

export async function startHarness(argv: string[] = []): Promise<Harness> {
  // In memory (no data folder): tests never write into the user's folder. The terminal shows
  // errors only; the log tail keeps the configured level for the Gateway panel.
  const gateway = await startWebMode({ argv, buildQuiet: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  const pageErrors: string[] = [];
  return {
    gateway,
    browser,
    pageErrors,
    async open(options = {}) {
      const context = await browser.newContext({
        viewport: { width: options.width ?? 1600, height: options.height ?? 960 },
        colorScheme: options.theme ?? 'dark',
      });
      // Actions and waits are bounded against hangs only: beside other test runs a click that
      // starts a 100,000-event run can take longer than Playwright's default 30 s.
      context.setDefaultTimeout(RUN_WAIT_MS);
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gateway.url });
      const page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        // HTTP error answers from the API are expected (faults, probes) and shown in the UI;
        // Chromium also logs them as console errors, which are not page errors.
        const apiStatus =
          m.text().startsWith('Failed to load resource') &&
          new URL(m.location().url || 'http://x/').pathname.startsWith('/v1/');
        if (m.type() === 'error' && !apiStatus) pageErrors.push(`console: ${m.text()} (${m.location().url})`);
      });
      // Page loads must stay on the loopback gateway: anything else is a bug (a CDN, a font…).
      await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => {
        pageErrors.push(`external request blocked: ${route.request().url()}`);
        return route.abort();
      });
      await page.goto(`${gateway.url}/`);
      await page
        .getByTestId('topbar-health')
        .and(page.locator(`[data-state="${options.health ?? 'ok'}"]`))
        .waitFor();
      return page;
    },
    async close() {
      await browser.close();
      await gateway.close();
    },
  };
}

/** Replaces the composer's text as a user would (select all, type). */
export async function typeRequest(page: Page, text: string): Promise<void> {
  await page.getByTestId('request-editor').locator('.view-lines').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** Picks a template and sends it with the console's own Send button. */
export async function sendTemplate(page: Page, template: string): Promise<void> {
  await page.getByTestId('template-select').selectOption(template);
  await page.getByTestId('send').click();
}

/**
 * Waits for a run to reach `status`. The bound only catches a run that never gets there: a
 * 100,000-event run takes ~20 s on this machine alone and much longer beside other test runs.
 */
export const RUN_WAIT_MS = 120_000;

export async function waitForRunStatus(page: Page, status: string | RegExp, bound = RUN_WAIT_MS): Promise<string> {
  const loc = page.getByTestId('run-status');
  await loc.filter({ hasText: status }).waitFor({ timeout: bound });
  return (await loc.getAttribute('data-status')) ?? '';
}
