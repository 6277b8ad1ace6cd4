/**
 * The Gateway panel end to end (issue 5): live log tail from /v1/console/logs, key metrics from
 * /metrics, and the active flags, all read from what /v1/capabilities advertises.
 */
import { describe, expect, test } from 'vitest';
import { hasChromium, sendTemplate, suiteHarness, waitForRunStatus } from './harness.js';

describe.skipIf(!hasChromium)('Gateway panel (web mode, Chromium)', () => {
  const h = suiteHarness(['--log-level', 'info']);

  test('log tail shows new request lines, pause/clear work; metrics count the run; flags are listed', async () => {
    const page = await h.open();
    await sendTemplate(page, 'plain');
    expect(await waitForRunStatus(page, 'completed')).toBe('completed');
    await page.getByTestId('side-gateway').click();
    const logs = page.getByTestId('gateway-logs');
    // The run's request line arrives through the live stream (or the backlog).
    await logs.getByTestId('log-line').filter({ hasText: '/v1/responses' }).first().waitFor();
    await page.getByTestId('logs-clear').click();
    await expect.poll(() => logs.getByTestId('log-line').count()).toBe(0);
    // A request made after clearing shows up as a new line.
    await fetch(`${h.gateway.url}/v1/models`);
    await logs.getByTestId('log-line').filter({ hasText: '/v1/models' }).first().waitFor();
    await page.getByTestId('logs-pause').click();
    await fetch(`${h.gateway.url}/healthz`);
    await expect.poll(() => page.getByTestId('logs-pause').innerText()).toMatch(/Resume \(\d+ new\)/);
    await page.getByTestId('logs-pause').click();
    await logs.getByTestId('log-line').filter({ hasText: '/healthz' }).first().waitFor();

    const completed = page.getByTestId('metric-responses_total');
    await expect.poll(() => completed.innerText()).toMatch(/completed: [1-9]/);
    expect(Number(await page.getByTestId('metric-http_requests_total').innerText())).toBeGreaterThan(0);
    const flags = await page.getByTestId('gateway-flags').innerText();
    expect(flags).toContain('--log-level');
    expect(flags).toContain('info');
    expect(await page.getByTestId('gateway-panel').innerText()).not.toContain('is not available on this gateway');
    await page.context().close();
  });
});
