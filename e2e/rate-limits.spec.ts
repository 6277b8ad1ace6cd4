/**
 * Rate-limit gauges against a gateway started with a small request limit, so every answer carries
 * x-ratelimit-* headers and response.rate_limits.updated events, and the limit is reached quickly.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { hasChromium, sendTemplate, startHarness, waitForRunStatus, type Harness } from './harness.js';

/** Requests per minute: the bucket refills one request every 15 s, far slower than this spec. */
const LIMIT = 4;

describe.skipIf(!hasChromium)('rate limits e2e (H5)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(['--rate-limit-requests-per-minute', String(LIMIT)]);
  });
  afterEach(() => {
    expect(h.pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await h?.close();
  });

  test('rate-limit gauges change after a request, from headers and events; a 429 counts down', async () => {
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
  });
});
