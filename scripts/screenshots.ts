/**
 * `npm run screenshots`: the documentation's screenshots (docs/images/*.png, 1440×900), taken in
 * Debian's Chromium against web mode started here (in memory, on a free loopback port). The tests
 * never write these files; run this after changing a screen, look at every image, commit them.
 *
 *   npm run screenshots              every image
 *   npm run screenshots -- diff 429  only the images whose name contains one of the words
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import {
  hasChromium,
  CHROMIUM_PATH,
  sendTemplate,
  startHarness,
  waitForRunStatus,
  type Harness,
} from '../e2e/harness.js';
import { seedConversation, sendTruncatedRun } from '../e2e/conversation-seed.js';

const IMAGES = fileURLToPath(new URL('../docs/images/', import.meta.url));
const SIZE = { width: 1440, height: 900 };

interface Shot {
  file: string;
  theme: 'dark' | 'light';
  /** Gateway flags for this picture (default: none). */
  argv?: string[];
  take(page: Page, h: Harness): Promise<void>;
}

async function openLibrary(page: Page, atLeast: number): Promise<void> {
  await page.getByTestId('side-library').click();
  await page
    .getByTestId('library-row')
    .nth(atLeast - 1)
    .waitFor();
}

/** Lets fonts, Monaco and the last frame settle before the picture. */
const settle = (page: Page) => page.waitForTimeout(400);

const SHOTS: Shot[] = [
  {
    file: 'console-empty-light.png',
    theme: 'light',
    take: async () => undefined,
  },
  {
    file: 'console-dark.png',
    theme: 'dark',
    async take(page) {
      await sendTemplate(page, 'tools');
      await waitForRunStatus(page, 'completed');
      await page.locator('[data-testid="event-row"][data-type="response.function_call_arguments.done"]').click();
      await page
        .getByTestId('tool-call')
        .first()
        .getByTestId('tool-output-input')
        .fill('{"temp_c": 18, "sky": "clear"}');
    },
  },
  {
    file: 'session-waiting.png',
    theme: 'dark',
    async take(page) {
      await sendTemplate(page, 'session');
      await page.getByTestId('tool-waiting').waitFor({ timeout: 20_000 });
      await page.getByTestId('tool-call').first().getByTestId('tool-output-input').fill('{"temp_c": 18}');
    },
  },
  {
    file: 'non-streaming.png',
    theme: 'light',
    async take(page) {
      await page.getByTestId('template-select').selectOption('json');
      await page.getByTestId('send').click();
      await waitForRunStatus(page, 'completed');
    },
  },
  {
    file: 'conversation.png',
    theme: 'dark',
    async take(page) {
      await sendTemplate(page, 'tools');
      await waitForRunStatus(page, 'completed');
      const call = page.getByTestId('tool-call').first();
      await call.getByTestId('tool-output-input').fill('{"temp_c": 18, "sky": "clear"}');
      await call.getByTestId('submit-tool-output').click();
      await page.getByTestId('run-tab').nth(1).waitFor();
      await waitForRunStatus(page, 'completed');
      await page.locator(`[data-testid="event-row"][data-type="response.created"]`).click();
      await page.getByTestId('view-conversation').click();
      await page.getByTestId('conversation-link').first().waitFor();
      // The end of the transcript: the tool output sent and the model's answer to it.
      await page.getByTestId('conversation-view').evaluate((e) => (e.scrollTop = e.scrollHeight));
    },
  },
  {
    file: 'conversation-truncation.png',
    theme: 'dark',
    // A small context window, so that truncation has something to drop.
    argv: ['--simulator-max-model-len', '400'],
    async take(page, h) {
      const conv = await seedConversation(h.gateway.url);
      await sendTruncatedRun(page, conv);
      // The request was typed on one line: show it from its start, not scrolled to its end.
      await page.getByTestId('request-editor').locator('.view-lines').click();
      await page.keyboard.press('Control+Home');
      await page.getByTestId('view-conversation').click();
      await page.getByTestId('conversation-section').nth(1).waitFor();
    },
  },
  {
    file: 'exchange-429.png',
    theme: 'dark',
    async take(page) {
      // One request per minute, set from the console's own limit editor; then a second request.
      await page.getByTestId('side-rate-limits').click();
      await page.getByTestId('limit-rpm').fill('1');
      await page.getByTestId('limits-apply').click();
      await page.getByTestId('limits-notice').waitFor();
      await sendTemplate(page, 'plain');
      await waitForRunStatus(page, 'completed');
      await page.getByTestId('send').click();
      await waitForRunStatus(page, 'error');
      await page.getByTestId('view-exchange').click();
      await page.getByTestId('exchange-pretty').check();
    },
  },
  {
    file: 'exchange-websocket.png',
    theme: 'dark',
    async take(page) {
      // A run over the WebSocket transport: the Exchange view lists the frames, both directions.
      await page.getByTestId('transport').selectOption('websocket');
      await page.getByTestId('dialect').selectOption('open-responses');
      await page.getByTestId('deltas').fill('6');
      await sendTemplate(page, 'plain');
      await waitForRunStatus(page, 'completed');
      await page.getByTestId('view-exchange').click();
      await page.getByTestId('exchange-frame').last().click();
    },
  },
  {
    file: 'sessions-diff-dark.png',
    theme: 'dark',
    async take(page) {
      await page.getByTestId('deltas').fill('6');
      await sendTemplate(page, 'plain');
      await waitForRunStatus(page, 'completed');
      await page.getByTestId('fault').selectOption('truncate');
      await page.getByTestId('send').click();
      await waitForRunStatus(page, /error|failed/);
      await openLibrary(page, 2);
      await page.getByTestId('library-check').nth(1).check();
      await page.getByTestId('library-check').nth(0).check();
      await page.getByTestId('library-diff').click();
      await page.getByTestId('diff-view').waitFor();
    },
  },
  {
    file: 'sessions-light.png',
    theme: 'light',
    async take(page) {
      await sendTemplate(page, 'plain');
      await waitForRunStatus(page, 'completed');
      await openLibrary(page, 1);
      await page.getByTestId('library-row').first().click();
      await page.getByTestId('library-rerun').click();
      await page.getByTestId('diff-view').waitFor({ timeout: 20_000 });
      await page.getByTestId('diff-close').click();
      await page.getByTestId('library-row').first().click();
    },
  },
  {
    file: 'console-light.png',
    theme: 'light',
    async take(page) {
      await sendTemplate(page, 'reasoning');
      await waitForRunStatus(page, 'completed');
      await page.getByTestId('side-gateway').click();
      await page.getByTestId('gateway-logs').getByTestId('log-line').first().waitFor();
    },
  },
];

async function main(): Promise<void> {
  if (!hasChromium) throw new Error(`No Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH)`);
  const words = process.argv.slice(2);
  const wanted = SHOTS.filter((s) => words.length === 0 || words.some((w) => s.file.includes(w)));
  mkdirSync(IMAGES, { recursive: true });
  for (const shot of wanted) {
    // A fresh gateway per picture: each starts from an empty library and the default limits.
    const h: Harness = await startHarness(shot.argv);
    try {
      const page = await h.open({ theme: shot.theme, ...SIZE });
      await shot.take(page, h);
      await settle(page);
      await page.screenshot({ path: `${IMAGES}${shot.file}` });
      if (h.pageErrors.length) throw new Error(`${shot.file}: ${h.pageErrors.join('\n')}`);
      console.log(`docs/images/${shot.file}`);
    } finally {
      await h.close();
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
