/**
 * Rate-limit gauges against a gateway started with a small request limit, so every answer carries
 * x-ratelimit-* headers and response.rate_limits.updated events, and the limit is reached quickly.
 */
import { describe, expect, test } from 'vitest';
import { hasChromium, sendTemplate, suiteHarness, waitForRunStatus } from './harness.js';

/** Requests per minute: the bucket refills one request every 15 s, far slower than this spec. */
const LIMIT = 4;

describe.skipIf(!hasChromium)('rate limits e2e (H5)', () => {
  const h = suiteHarness(['--rate-limit-requests-per-minute', String(LIMIT)]);

  test(
    'rate-limit gauges change after a request, from headers and events; a 429 counts down',
    { tags: ['U4', 'H5', 'M3'] },
    async () => {
      const page = await h.open();
      await page.getByTestId('side-rate-limits').click();
      await page.getByTestId('rate-limits-empty').waitFor();
      await sendTemplate(page, 'plain');
      await waitForRunStatus(page, 'completed');
      const gauge = page.getByTestId('gauge-requests');
      expect(Number(await gauge.getAttribute('data-limit'))).toBe(LIMIT);
      const first = Number(await gauge.getAttribute('data-remaining'));
      expect(first).toBeLessThan(LIMIT);
      await page.getByTestId('send').click();
      await waitForRunStatus(page, /completed|error/);
      await expect.poll(async () => Number(await gauge.getAttribute('data-remaining'))).toBeLessThan(first);
      // Both channels feed the history: the headers and the response.rate_limits.updated events.
      const sources = await page.getByTestId('rate-limit-history').locator('tbody td:nth-child(2)').allInnerTexts();
      expect(new Set(sources)).toEqual(new Set(['headers', 'event']));
      // Spend the rest of the budget: the gateway answers 429 with Retry-After and the panel counts down.
      for (let i = 0; i < LIMIT && (await page.getByTestId('retry-countdown').count()) === 0; i++) {
        await page.getByTestId('send').click();
        await waitForRunStatus(page, /completed|error/);
      }
      expect(await page.getByTestId('retry-countdown').innerText()).toMatch(/429: retry in \d/);
      await page.context().close();
    },
  );
});

describe.skipIf(!hasChromium)('rate limits: live countdowns, holding Send, the 429 said as it is (H5, M3)', () => {
  const h = suiteHarness(['--rate-limit-requests-per-minute', '2']);

  test(
    '"resets in" counts down; after the 429 Send is held with its countdown',
    { tags: ['U4', 'H5', 'M3'] },
    async () => {
      const page = await h.open();
      await page.getByTestId('side-rate-limits').click();
      await sendTemplate(page, 'plain');
      await waitForRunStatus(page, 'completed');
      const reset = page.getByTestId('gauge-requests-reset');
      const seconds = async () => Number(/resets in (\d+\.\d) s/.exec(await reset.innerText())?.[1] ?? NaN);
      const first = await seconds();
      expect(first).toBeGreaterThan(0);
      await expect.poll(seconds, { timeout: 5_000 }).toBeLessThan(first);
      await page.getByTestId('send').click();
      await waitForRunStatus(page, /completed|error/);
      await page.getByTestId('send').click();
      await page.getByTestId('retry-countdown').waitFor();
      const send = page.getByTestId('send');
      expect(await send.isDisabled()).toBe(true);
      expect(await send.innerText()).toMatch(/^Retry in \d+ s$/);
      expect(await page.getByTestId('retry-countdown').innerText()).toMatch(/from the gateway’s rate limiter/);
      expect(await page.getByTestId('retry-countdown-text').innerText()).toMatch(
        /^429: retry in \d+\.\d s \(Retry-After \d+(\.\d)? s\) — Send is held until then$/,
      );
      // Ctrl+Enter is held too, and says why.
      await page.getByTestId('request-editor').locator('.view-lines').click();
      await page.keyboard.press('Control+Enter');
      expect(await page.getByTestId('composer-error').innerText()).toMatch(/^HTTP 429: the gateway asked to wait/);
      await page.context().close();
    },
  );
});

describe.skipIf(!hasChromium)('rate limits: a simulated 429 and limits set from the console (H5, M3)', () => {
  const h = suiteHarness();

  test(
    'a simulated 429 says it was injected and when to retry, never a green "retry now" over no data',
    { tags: ['U4', 'M3'] },
    async () => {
      const page = await h.open();
      await page.getByTestId('side-rate-limits').click();
      await page.getByTestId('fault').selectOption('rate_limit');
      await sendTemplate(page, 'plain');
      await waitForRunStatus(page, 'error');
      const card = page.getByTestId('retry-countdown');
      expect(await card.innerText()).toMatch(
        /^HTTP 429 on run-1 from the simulator fault 'rate_limit' \(asked for by the request\)/,
      );
      // Retry-After is 1 s: the countdown runs out and says so, in neutral terms.
      await expect
        .poll(() => page.getByTestId('retry-countdown-text').innerText(), { timeout: 5_000 })
        .toBe('Retry-After (1 s) has elapsed: Send is available again.');
      expect(await page.getByTestId('rate-limits-empty').innerText()).toMatch(/No rate-limit readings yet/);
      expect(await page.getByTestId('send').isDisabled()).toBe(false);
      await page.context().close();
    },
  );

  test('limits set in the panel apply to the next requests', { tags: ['U4', 'H5'] }, async () => {
    const page = await h.open();
    await page.getByTestId('side-rate-limits').click();
    await expect.poll(() => page.getByTestId('limit-rpm').inputValue()).toBe('0');
    await page.getByTestId('limit-rpm').fill('1');
    await page.getByTestId('limits-apply').click();
    expect(await page.getByTestId('limits-notice').innerText()).toBe(
      'Applied: requests per minute 1, tokens per minute unlimited (every client).',
    );
    await sendTemplate(page, 'plain');
    await waitForRunStatus(page, 'completed');
    expect(Number(await page.getByTestId('gauge-requests').getAttribute('data-limit'))).toBe(1);
    await page.getByTestId('send').click();
    await page.getByTestId('retry-countdown').waitFor();
    // Back to no limits: the next request goes through at once.
    await page.getByTestId('limit-rpm').fill('0');
    await page.getByTestId('limits-apply').click();
    await expect.poll(() => page.getByTestId('limits-notice').innerText()).toBe('Applied: no limits.');
    await page.getByTestId('limit-rpm').fill('-1');
    await page.getByTestId('limits-apply').click();
    expect(await page.getByTestId('limits-error').innerText()).toBe('Limits are whole numbers ≥ 0 (0 = unlimited).');
    await page.context().close();
  });
});
