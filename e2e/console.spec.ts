/**
 * The console end to end, in Debian's Chromium against web mode. Specs follow the Proof
 * list; features the gateway does not offer yet are checked for their "not available" state,
 * driven by /v1/capabilities, and the full flow is skipped with the reason.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { hasChromium, sendTemplate, startHarness, waitForRunStatus, type Harness } from './harness.js';

describe.skipIf(!hasChromium)('console e2e (web mode, Chromium)', () => {
  let h: Harness;
  let caps: Record<string, unknown>;

  beforeAll(async () => {
    h = await startHarness();
    caps = (await (await fetch(`${h.gateway.url}/v1/capabilities`)).json()) as Record<string, unknown>;
  });
  afterEach(() => {
    // Any page error or blocked external request fails the test that caused it.
    const seen = h.pageErrors.splice(0);
    expect(seen).toEqual([]);
  });
  afterAll(async () => {
    await h?.close();
  });

  test('plain request: the completed text appears, assembled from the streamed deltas', async () => {
    const page = await h.open();
    await expect(page.getByTestId('timeline-empty').isVisible()).resolves.toBe(true);
    await sendTemplate(page, 'plain');
    expect(await waitForRunStatus(page, 'completed')).toBe('completed');
    const text = await page.getByTestId('assembled-text').first().innerText();
    expect(text.length).toBeGreaterThan(0);
    // The assembled text is exactly the text the terminal event reports.
    // Rows are virtualized: filter to the one we want so it is rendered.
    await page.getByTestId('timeline-filter-type').selectOption('response.output_text.done');
    await page.locator('[data-testid="event-row"][data-type="response.output_text.done"]').click();
    // The detail shows JSON, so compare against the text's JSON-escaped form (Monaco renders lines
    // after it mounts: poll until it has).
    const lines = page.getByTestId('event-detail').locator('.view-lines');
    await expect
      .poll(async () => (await lines.innerText()).replace(/\s+/g, ' '))
      .toContain(JSON.stringify(text).slice(1, 30).replace(/\s+/g, ' '));
    await page.getByTestId('timeline-filter-type').selectOption('');
    expect(await page.locator('[data-testid="event-row"][data-type="response.created"]').count()).toBe(1);
    // The console's copy of the stream validator finds nothing wrong with the gateway's stream.
    expect(await page.getByTestId('run-stats').innerText()).not.toMatch(/violations/);
    expect(h.pageErrors).toEqual([]);
    await page.context().close();
  });

  test('simulator fault mid-stream: a failed run with the error row', async () => {
    const page = await h.open();
    await page.getByTestId('fault').selectOption('error_chunk');
    await sendTemplate(page, 'plain');
    expect(await waitForRunStatus(page, 'failed')).toBe('failed');
    await expect(page.locator('[data-testid="event-row"][data-type="error"]').count()).resolves.toBe(1);
    await expect(page.locator('[data-testid="event-row"][data-type="response.failed"]').count()).resolves.toBe(1);
    expect(await page.getByTestId('run-error').innerText()).toMatch(/server_error/);
    await page.context().close();
  });

  test('timeline filter by type and by text', async () => {
    const page = await h.open();
    await sendTemplate(page, 'plain');
    await waitForRunStatus(page, 'completed');
    const table = page.getByTestId('event-table');
    const all = Number(await table.getAttribute('data-count'));
    await page.getByTestId('timeline-filter-type').selectOption('response.output_text.delta');
    const deltas = Number(await table.getAttribute('data-count'));
    expect(deltas).toBeGreaterThan(0);
    expect(deltas).toBeLessThan(all);
    const types = await page
      .locator('[data-testid="event-row"]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
    expect(new Set(types)).toEqual(new Set(['response.output_text.delta']));
    await page.getByTestId('timeline-filter-type').selectOption('');
    await page.getByTestId('timeline-filter-text').fill('response.completed');
    expect(Number(await table.getAttribute('data-count'))).toBe(1);
    await page.getByTestId('timeline-filter-text').fill('no-event-has-this-text');
    expect(Number(await table.getAttribute('data-count'))).toBe(0);
    await page.context().close();
  });

  test(
    'tool flow with previous_response_id: call appears, arguments stream and are checked, output from the form continues the conversation',
    { tags: ['U3'] },
    async () => {
      const page = await h.open();
      await sendTemplate(page, 'tools');
      await waitForRunStatus(page, 'completed');
      const call = page.getByTestId('tool-call').first();
      await call.waitFor();
      const args = JSON.parse(await call.getByTestId('tool-args').innerText()) as Record<string, unknown>;
      expect(typeof args.city).toBe('string');
      expect(await page.getByTestId('assembled-args').first().innerText()).toBe(JSON.stringify(args));
      expect(await call.getByTestId('tool-arg-problems').count()).toBe(0);
      // The answer form sends exactly what is typed as the output string (never re-encoded).
      await call.getByTestId('tool-output-input').fill('{"temperature": 21, "sky": "clear"}');
      await call.getByTestId('submit-tool-output').click();
      await expect.poll(() => page.getByTestId('run-tab').count()).toBe(2);
      const second = page.getByTestId('run-tab').nth(1);
      expect(await second.innerText()).toMatch(/^↳/);
      const store = (caps.parameters as Record<string, { status: string }> | undefined)?.previous_response_id?.status;
      if (store === 'supported') {
        expect(await waitForRunStatus(page, 'completed')).toBe('completed');
        expect((await page.getByTestId('assembled-text').first().innerText()).length).toBeGreaterThan(0);
      } else {
        // No response store on this gateway: the continuation is refused and the console says why.
        expect(await waitForRunStatus(page, /error|failed/)).toMatch(/error|failed/);
        expect(await page.getByTestId('run-error').innerText()).toMatch(/previous_response_id/);
      }
      await page.context().close();
    },
  );

  test(
    'tool flow in session mode: call appears, output typed in the form, submitted, final answer in the same run',
    { tags: ['U3', 'C1'] },
    async () => {
      const page = await h.open();
      // The gateway advertises session mode in /v1/capabilities: the switch must be offered.
      expect(await page.getByTestId('composer').innerText()).not.toMatch(/Session mode\s*\(not available\)/);
      await sendTemplate(page, 'session');
      const call = page.getByTestId('tool-call').first();
      await call.getByTestId('submit-tool-output').waitFor({ timeout: 60_000 });
      await call.getByTestId('tool-output-input').fill('{"temperature": 21}');
      await call.getByTestId('submit-tool-output').click();
      expect(await waitForRunStatus(page, 'completed')).toBe('completed');
      expect(await page.getByTestId('run-tab').count()).toBe(1);
      expect((await page.getByTestId('assembled-text').first().innerText()).length).toBeGreaterThan(0);
      await page.context().close();
    },
  );

  test(
    'an encrypted reasoning blob decrypts through the gateway: integrity, size, key id',
    { tags: ['U5', 'H4'] },
    async () => {
      const page = await h.open();
      await page.getByTestId('side-context').click();
      await sendTemplate(page, 'reasoning');
      await waitForRunStatus(page, 'completed');
      expect((await page.getByTestId('assembled-reasoning').first().innerText()).length).toBeGreaterThan(0);
      await page.getByTestId('context-blob').first().waitFor();
      await page.getByTestId('decrypt').first().click();
      const decrypted = page.getByTestId('decrypted').first();
      await decrypted.waitFor();
      expect(await decrypted.getAttribute('data-integrity')).toBe('valid');
      expect(await decrypted.getByTestId('decrypted-meta').innerText()).toMatch(/\d+ bytes sealed · key id \S+/);
      expect((await decrypted.getByTestId('decrypted-payload').innerText()).length).toBeGreaterThan(0);
      await page.context().close();
    },
  );

  test('command palette runs registered actions', { tags: ['U9'] }, async () => {
    const page = await h.open({ theme: 'dark' });
    await sendTemplate(page, 'tools');
    await waitForRunStatus(page, 'completed');
    await page.locator('[data-testid="event-row"][data-type="response.function_call_arguments.done"]').click();
    await page.keyboard.press('Control+K');
    await page.getByTestId('command-palette').locator('input').fill('toggle dark');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await page.getByTestId('side-gateway').click();
    await page.getByTestId('gateway-panel').waitFor();
    await page.context().close();
  });
});
