/**
 * The sessions library end to end (issue 6, Proof → Playwright): record a run, open it from the
 * library, replay it, diff two runs, re-run one, and the library's file operations.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { hasChromium, sendTemplate, suiteHarness, waitForRunStatus } from './harness.js';

async function openLibrary(page: Page, atLeast: number): Promise<void> {
  await page.getByTestId('side-library').click();
  await expect.poll(() => page.getByTestId('library-row').count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(atLeast);
}

const count = async (page: Page) => Number(await page.getByTestId('event-table').getAttribute('data-count'));

describe.skipIf(!hasChromium)('sessions library e2e (web mode records every run)', () => {
  const h = suiteHarness();

  test('record a run, open it from the library, replay it with pause and step', async () => {
    const page = await h.open();
    await page.getByTestId('token-ms').fill('15');
    await page.getByTestId('deltas').fill('8');
    await sendTemplate(page, 'plain');
    await waitForRunStatus(page, 'completed');
    const liveCount = await count(page);
    const liveText = await page.getByTestId('assembled-text').first().innerText();
    await openLibrary(page, 1);
    await page.getByTestId('library-row').first().click();
    // Open: every recorded event at once, as a new timeline run.
    await page.getByTestId('library-open').click();
    await expect.poll(() => page.getByTestId('run-tab').count()).toBe(2);
    expect(await waitForRunStatus(page, 'completed')).toBe('completed');
    expect(await count(page)).toBe(liveCount);
    expect(await page.getByTestId('assembled-text').first().innerText()).toBe(liveText);
    expect(await page.getByTestId('run-stats').innerText()).not.toMatch(/violations/);
    // Replay: start paused, step one event, then let it play at 1× to the end.
    await page.getByTestId('library-replay-paused').click();
    await expect.poll(() => page.getByTestId('run-tab').count()).toBe(3);
    const bar = page.getByTestId('replay-bar');
    expect(await bar.getAttribute('data-paused')).toBe('true');
    expect(await count(page)).toBe(0);
    await page.getByTestId('replay-step').click();
    await expect.poll(() => count(page)).toBe(1);
    await page.getByTestId('replay-resume').click();
    await expect.poll(() => bar.getAttribute('data-done'), { timeout: 60_000 }).toBe('true');
    expect(await count(page)).toBe(liveCount);
    expect(await waitForRunStatus(page, 'completed')).toBe('completed');
    await page.context().close();
  });

  test(
    'diff two runs: a truncated stream shows its missing events, the JSON and the timing',
    { tags: ['U6'] },
    async () => {
      const page = await h.open({ theme: 'dark' });
      await page.getByTestId('deltas').fill('6');
      await sendTemplate(page, 'plain');
      await waitForRunStatus(page, 'completed');
      await page.getByTestId('fault').selectOption('truncate');
      await page.getByTestId('send').click();
      await waitForRunStatus(page, /error|failed/);
      await openLibrary(page, 2);
      // Newest first: tick the complete run (A) and then the truncated one (B).
      await page.getByTestId('library-check').nth(1).check();
      await page.getByTestId('library-check').nth(0).check();
      await page.getByTestId('library-diff').click();
      const view = page.getByTestId('diff-view');
      await view.waitFor();
      expect(await view.getAttribute('data-equal')).toBe('false');
      expect(Number((await page.getByTestId('diff-missing-count').innerText()).split(' ')[0])).toBeGreaterThan(0);
      expect(
        await view.locator('[data-testid="diff-op"][data-op="missing"][data-type="response.completed"]').count(),
      ).toBe(1);
      expect(await page.getByTestId('diff-timing').innerText()).toMatch(/Time to first token/);
      await page.getByTestId('diff-close').click();
      await page.context().close();
    },
  );

  test('re-run a recording against the built-in profile and diff it with the original', { tags: ['U6'] }, async () => {
    const page = await h.open({ theme: 'light' });
    await sendTemplate(page, 'plain');
    await waitForRunStatus(page, 'completed');
    await openLibrary(page, 1);
    await page.getByTestId('library-row').first().click();
    await page.getByTestId('library-rerun-profile').selectOption('builtin');
    await page.getByTestId('library-rerun').click();
    const view = page.getByTestId('diff-view');
    await view.waitFor({ timeout: 60_000 });
    expect(await view.innerText()).toMatch(/Re-run on Built-in simulator/);
    // The simulator is deterministic: same events, same final response.
    expect(await view.getAttribute('data-equal')).toBe('true');
    await page.getByTestId('diff-close').click();
    await page.context().close();
  });

  test('rename, tag, search, export, import and delete', { tags: ['U6'] }, async () => {
    const page = await h.open();
    await sendTemplate(page, 'tools');
    await waitForRunStatus(page, 'completed');
    await openLibrary(page, 1);
    const before = await page.getByTestId('library-row').count();
    await page.getByTestId('library-row').first().click();
    await page.getByTestId('library-rename').fill('weather check');
    await page.getByTestId('library-rename-save').click();
    // Typed while the rename's refresh is still on its way: the list refresh must not wipe it
    // (it did: the form reset its fields from every refreshed list, and the empty tags were saved).
    await page.getByTestId('library-tags').fill('tools, demo');
    await page.getByTestId('library-tags-save').click();
    await page.getByTestId('library-search').fill('weather check');
    await expect.poll(() => page.getByTestId('library-row').count()).toBe(1);
    const row = page.getByTestId('library-row').first();
    // Tags are saved before the search, but the list refreshes asynchronously.
    await expect.poll(() => row.innerText()).toMatch(/weather check[\s\S]*get_weather[\s\S]*tools[\s\S]*demo/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('library-export-jsonl').click(),
    ]);
    const file = readFileSync((await download.path()) ?? '', 'utf8');
    expect(JSON.parse(file.split('\n')[0]) as { format: string }).toMatchObject({
      format: 'responses-studio-recording',
    });
    const upload = { name: 'weather.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(file) };
    // The same file again: detected, nothing added twice.
    await page.getByTestId('library-import-input').setInputFiles(upload);
    await expect
      .poll(() => page.getByTestId('library-notice').innerText())
      .toMatch(/Imported 0 runs from 1 file · 1 run already in the library, not added again/);
    expect(await page.getByTestId('library-row').count()).toBe(1);
    await page.getByTestId('library-row').first().click();
    await page.getByTestId('library-delete').click();
    await expect.poll(() => page.getByTestId('library-row').count()).toBe(0);
    // Deleted, then imported from the file: it is back.
    await page.getByTestId('library-import-input').setInputFiles(upload);
    await expect.poll(() => page.getByTestId('library-notice').innerText()).toMatch(/Imported 1 run from 1 file$/);
    await expect.poll(() => page.getByTestId('library-row').count()).toBe(1);
    await page.getByTestId('library-search').fill('');
    await expect.poll(() => page.getByTestId('library-row').count()).toBe(before);
    await page.context().close();
  });
});
