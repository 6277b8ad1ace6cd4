/**
 * X4 in the console: a run in a Conversations API conversation shows the conversation's items in
 * sections (added directly, added by an earlier response) and what `truncation: "auto"` dropped,
 * against a gateway whose simulator has a small context window.
 */
import { describe, expect, test } from 'vitest';
import { seedConversation, sendTruncatedRun } from './conversation-seed.js';
import { hasChromium, suiteHarness } from './harness.js';

describe.skipIf(!hasChromium)('console: Conversations API and truncation', () => {
  const h = suiteHarness(['--simulator-max-model-len', '400']);

  test('the conversation view shows the conversation and what truncation dropped', { tags: ['X4', 'U2'] }, async () => {
    const conv = await seedConversation(h.gateway.url);
    const page = await h.open();
    await sendTruncatedRun(page, conv);
    await page.getByTestId('view-conversation').click();
    const head = page.getByTestId('conversation-api');
    await head.waitFor();
    // Six items added directly, two by the earlier response, two by this run (shown as the run).
    await expect.poll(() => head.innerText()).toMatch(new RegExp(`${conv} · 10 items · 2 responses`));
    expect(await head.innerText()).toContain('topic=Portugal trip');
    const sections = page.getByTestId('conversation-section');
    expect(await sections.count()).toBe(2);
    expect(await sections.first().innerText()).toContain('Added to the conversation directly');
    expect(await sections.nth(1).getByTestId('transcript-entry').count()).toBe(2);
    const note = page.getByTestId('truncation-note');
    expect(await note.innerText()).toMatch(/Truncation dropped \d+ items \(\d+ oldest turns?\)/);
    // The dropped items are the oldest of the conversation, marked where they are shown.
    const dropped = await page.getByTestId('transcript-dropped').count();
    expect(dropped).toBeGreaterThanOrEqual(2);
    const first = sections.first().getByTestId('transcript-entry').first();
    expect(await first.getByTestId('transcript-dropped').count()).toBe(1);
    expect(await page.getByTestId('truncation-dropped').innerText()).toMatch(/^msg_/);
    await page.context().close();
  });
});
