/**
 * What users of HTTP clients and protocol inspectors expect: edit and resend a recorded run, a
 * conversation view of a previous_response_id chain, saved requests with variables, keyboard
 * navigation and shortcuts from the editor, layouts that fit from 1280×800 to 1920×1080, and a
 * library whose runs have readable names.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { hasChromium, sendTemplate, suiteHarness, typeRequest, waitForRunStatus } from './harness.js';

/** The composer's text as shown (Monaco draws spaces as no-break spaces). */
async function editorText(page: Page): Promise<string> {
  return (await page.getByTestId('request-editor').locator('.view-lines').innerText()).replace(/\s+/g, ' ');
}

describe.skipIf(!hasChromium)('console: what users of the anchors expect', () => {
  const h = suiteHarness();

  test('a recorded run opens into the composer, is edited and sent again', { tags: ['U1', 'U6'] }, async () => {
    const page = await h.open();
    await sendTemplate(page, 'plain');
    await waitForRunStatus(page, 'completed');
    await page.getByTestId('side-library').click();
    await page.getByTestId('library-row').first().click();
    await page.getByTestId('library-edit').click();
    await expect.poll(() => page.getByTestId('toast').innerText()).toMatch(/Request loaded into the composer/);
    expect(await editorText(page)).toContain('"input": "Say hello in five words."');
    await typeRequest(page, JSON.stringify({ model: 'sim-chat', input: 'Edited and resent', stream: true }));
    await page.getByTestId('send').click();
    await expect.poll(() => page.getByTestId('run-tab').count()).toBe(2);
    await waitForRunStatus(page, 'completed');
    await page.getByTestId('view-exchange').click();
    expect(JSON.parse(await page.getByTestId('exchange-request-body').innerText())).toMatchObject({
      input: 'Edited and resent',
    });
    // And from the timeline: the run's own request goes back into the composer.
    await page.getByTestId('run-tab').first().click();
    await page.getByTestId('run-edit').click();
    await expect.poll(() => editorText(page)).toContain('"input": "Say hello in five words."');
    await page.context().close();
  });

  test('the conversation view reads a previous_response_id chain as a transcript', { tags: ['U2', 'M6'] }, async () => {
    const page = await h.open();
    await sendTemplate(page, 'tools');
    await waitForRunStatus(page, 'completed');
    const call = page.getByTestId('tool-call').first();
    await call.getByTestId('tool-output-input').fill('{"temp_c": 18}');
    await call.getByTestId('submit-tool-output').click();
    await expect.poll(() => page.getByTestId('run-tab').count()).toBe(2);
    await waitForRunStatus(page, 'completed');
    await page.getByTestId('view-conversation').click();
    const link = page.getByTestId('conversation-link').first();
    await link.waitFor();
    const stored = await link
      .getByTestId('transcript-entry')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-role')}/${e.getAttribute('data-kind')}`));
    expect(stored).toEqual(['user/message', 'assistant/function_call']);
    expect(await link.innerText()).toContain('What is the weather in Paris?');
    const current = page.getByTestId('conversation-current').getByTestId('transcript-entry');
    expect(
      await current.evaluateAll((els) =>
        els.map((e) => `${e.getAttribute('data-role')}/${e.getAttribute('data-kind')}`),
      ),
    ).toEqual(['tool/function_call_output', 'assistant/message']);
    expect(await current.first().innerText()).toContain('{"temp_c": 18}');
    await page.context().close();
  });

  test(
    'saved requests: a collection with variables, sent with them filled in, exported and imported',
    { tags: ['U1'] },
    async () => {
      const page = await h.open();
      await page.getByTestId('side-saved').click();
      // The templates are the Examples collection.
      const examples = page.getByTestId('saved-collection').last();
      await page.getByText('No saved requests yet').waitFor();
      await examples.locator('header button').first().click();
      await expect.poll(() => examples.innerText()).toContain('Function tools');
      await page.getByTestId('saved-new-collection-name').fill('Weather');
      await page.getByTestId('saved-new-collection').click();
      await page.getByTestId('saved-variables').fill('{"model": "sim-chat", "city": "Oslo"}');
      await page.getByTestId('saved-variables-save').click();
      await expect.poll(() => page.getByTestId('saved-notice').innerText()).toBe('Variables saved');
      await typeRequest(page, '{"model": "{{model}}", "input": "Weather in {{city}}?", "stream": true}');
      expect(await page.getByTestId('composer-variables').innerText()).toBe('Variables of “Weather”: model, city');
      await page.getByTestId('saved-name').fill('City weather');
      await page.getByTestId('saved-save').click();
      await expect.poll(() => page.getByTestId('saved-notice').innerText()).toBe('Saved “City weather”');
      await page.getByTestId('send').click();
      await waitForRunStatus(page, 'completed');
      await page.getByTestId('view-exchange').click();
      expect(JSON.parse(await page.getByTestId('exchange-request-body').innerText())).toEqual({
        model: 'sim-chat',
        input: 'Weather in Oslo?',
        stream: true,
      });
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('saved-export').click()]);
      const file = readFileSync((await download.path()) ?? '', 'utf8');
      expect(JSON.parse(file)).toMatchObject({
        format: 'responses-studio-requests',
        collections: [
          { name: 'Weather', variables: { model: 'sim-chat', city: 'Oslo' }, requests: [{ name: 'City weather' }] },
        ],
      });
      await page
        .getByTestId('saved-import-input')
        .setInputFiles({ name: 'requests.json', mimeType: 'application/json', buffer: Buffer.from(file) });
      await expect
        .poll(() => page.getByTestId('saved-notice').innerText())
        .toBe('Imported 1 collection(s) from requests.json');
      expect(await page.getByTestId('saved-collection').allInnerTexts()).toEqual(
        expect.arrayContaining([expect.stringContaining('Weather (imported)')]),
      );
      await page.context().close();
    },
  );

  test(
    'keyboard: arrows and Enter in the timeline; panel, theme and palette shortcuts from the editor',
    { tags: ['U9'] },
    async () => {
      const page = await h.open({ theme: 'dark' });
      await sendTemplate(page, 'plain');
      await waitForRunStatus(page, 'completed');
      await page.getByTestId('event-scroll').focus();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('Enter');
      expect(await page.getByTestId('event-detail').locator('.panel-header h2').innerText()).toBe(
        'Event #1 · response.in_progress',
      );
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      expect(await page.getByTestId('event-detail').locator('.panel-header h2').innerText()).toBe(
        'Event #' +
          String(Number(await page.getByTestId('event-table').getAttribute('data-count')) - 1) +
          ' · response.completed',
      );
      // From inside the editor: Ctrl+2, Ctrl+7, Ctrl+Shift+L, Ctrl+K.
      await page.getByTestId('request-editor').locator('.view-lines').click();
      await page.keyboard.press('Control+2');
      await page.getByTestId('rate-limits-panel').waitFor();
      await page.keyboard.press('Control+7');
      await page.getByTestId('saved-panel').waitFor();
      await page.getByTestId('request-editor').locator('.view-lines').click();
      await page.keyboard.press('Control+Shift+L');
      await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
      await page.getByTestId('request-editor').locator('.view-lines').click();
      await page.keyboard.press('Control+K');
      const palette = page.getByTestId('command-palette');
      await palette.locator('input').fill('sessions: open');
      expect(await palette.locator('li').first().innerText()).toMatch(/Sessions: open the selected recording/);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('run-tab').count()).toBe(2);
      expect(await page.getByTestId('run-replay-of').count()).toBe(1);
      await page.context().close();
    },
  );

  for (const [width, height] of [
    [1280, 800],
    [1920, 1080],
  ])
    test(
      `layout at ${width}×${height}: nothing clipped, labels readable, long text wraps`,
      { tags: ['U2', 'U9'] },
      async () => {
        const page = await h.open({ width, height });
        await page.getByTestId('token-ms').fill('1');
        await page.getByTestId('deltas').fill('60');
        await sendTemplate(page, 'reasoning');
        await waitForRunStatus(page, 'completed');
        // Every column of the event table, the bytes column included, is inside the table.
        const box = await page.getByTestId('event-table').boundingBox();
        const bytes = await page.locator('.event-row.head .c-bytes').boundingBox();
        expect(bytes && box && bytes.x + bytes.width <= box.x + box.width + 0.5).toBe(true);
        expect(await page.locator('.event-row.head .c-bytes').evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(
          true,
        );
        // Waterfall labels are text at their own size, not stretched with the drawing.
        expect(
          await page
            .locator('.wf-axis span')
            .first()
            .evaluate((e) => getComputedStyle(e).fontSize),
        ).toBe('10px');
        // Long replies wrap inside their panel.
        const text = page.getByTestId('assembled-text').first();
        expect(await text.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
        // Nothing in the page spills sideways.
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
        // "Copy as…" confirms.
        await page.getByTestId('copy-as').selectOption('copy.curl');
        await expect
          .poll(() => page.getByTestId('toast').innerText())
          .toBe('Copied the request as curl to the clipboard');
        // No internal feature ids in labels.
        await page.getByTestId('side-gateway').click();
        await page.getByTestId('gateway-panel').waitFor();
        expect(await page.locator('body').innerText()).not.toMatch(/\((?:[CHMLE]\d|U\d+|X\d+)\)/);
        await page.context().close();
      },
    );

  test(
    'library runs have readable names; tool-output POSTs and re-runs say what they are',
    { tags: ['U6'] },
    async () => {
      const page = await h.open();
      await sendTemplate(page, 'session');
      const call = page.getByTestId('tool-call').first();
      await call.getByTestId('submit-tool-output').waitFor({ timeout: 20_000 });
      const callId = (await call.getAttribute('data-call-id')) ?? '';
      await call.getByTestId('tool-output-input').fill('{"temp_c": 18}');
      await call.getByTestId('submit-tool-output').click();
      await waitForRunStatus(page, 'completed');
      await page.getByTestId('side-library').click();
      await page.getByTestId('library-search').fill(callId);
      await expect
        .poll(() => page.getByTestId('library-name').allInnerTexts())
        .toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^↳ tool outputs for ${callId} · \\d`))]));
      await page.getByTestId('library-search').fill('');
      await expect
        .poll(() => page.getByTestId('library-name').allInnerTexts())
        .toEqual(expect.arrayContaining([expect.stringMatching(/^“What is the weather in Paris\?” · sim-chat · \d/)]));
      await page.context().close();
    },
  );
});
