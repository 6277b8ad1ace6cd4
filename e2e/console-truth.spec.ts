/**
 * The console shows exactly what happened:
 * reasoning counted once whatever the aliases, non-streaming answers, the HTTP exchange and its
 * curl, the tool-answer form sending what was typed, session-mode waits, stalls, aborts and
 * injected faults. Chromium against web mode, asserting the text and values a user sees.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { hasChromium, sendTemplate, startHarness, waitForRunStatus, type Harness } from './harness.js';

const run = promisify(execFile);

/** The Reasoning template's request, as the gateway's own non-streaming answer gives the model's text. */
const REASONING = {
  model: 'sim-reasoning',
  input: 'Is 97 a prime number?',
  reasoning: { effort: 'medium', summary: 'auto' },
  include: ['reasoning.encrypted_content'],
};

async function clipboard(page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText());
}

describe.skipIf(!hasChromium)('the console shows the exact truth of every exchange', () => {
  let h: Harness;
  let modelReasoning: string;

  beforeAll(async () => {
    h = await startHarness();
    const res = await fetch(`${h.gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(REASONING),
    });
    const body = (await res.json()) as { output: { type: string; content?: { text: string }[] }[] };
    modelReasoning = body.output
      .filter((o) => o.type === 'reasoning')
      .flatMap((o) => (o.content ?? []).map((c) => c.text))
      .join('');
  });
  afterEach(() => {
    expect(h.pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await h?.close();
  });

  test(
    'reasoning is assembled exactly once in both dialects, extensions on and off',
    { tags: ['H2', 'U2'] },
    async () => {
      expect(modelReasoning.length).toBeGreaterThan(20);
      const page = await h.open();
      for (const dialect of ['openai', 'open-responses'])
        for (const extensions of [true, false]) {
          await page.getByTestId('dialect').selectOption(dialect);
          await page.getByTestId('extensions').setChecked(extensions);
          await sendTemplate(page, 'reasoning');
          await waitForRunStatus(page, 'completed');
          const text = await page.getByTestId('assembled-reasoning').first().innerText();
          expect(text, `${dialect}, extensions ${extensions ? 'on' : 'off'}`).toBe(modelReasoning);
          expect(await page.getByTestId('run-stats').innerText()).not.toMatch(/violations/);
          // Alias rows are shown (and marked), never added to the text.
          const aliases = page.locator('[data-testid="event-row"][data-type="response.reasoning.delta"] .kind-alias');
          expect((await aliases.count()) > 0).toBe(dialect === 'openai' && extensions);
        }
      await page.context().close();
    },
  );

  test(
    'a non-streaming request shows its Response JSON, its items and what it is',
    { tags: ['U1', 'U2'] },
    async () => {
      const page = await h.open();
      await sendTemplate(page, 'json');
      expect(await waitForRunStatus(page, 'completed')).toBe('completed');
      expect(await page.getByTestId('run-nonstreaming').innerText()).toMatch(/^JSON response · \d+\.\d KiB$/);
      const json = JSON.parse(await page.getByTestId('response-body-json').innerText()) as {
        id: string;
        output: { type: string; content: { text: string }[] }[];
      };
      expect(await page.getByTestId('run-stats').innerText()).toContain(json.id);
      const message = json.output.find((o) => o.type === 'message')!;
      expect(await page.getByTestId('assembled-text').first().innerText()).toBe(message.content[0].text);
      expect(await page.getByTestId('assembled-reasoning').first().innerText()).toBe(modelReasoning);
      await page.context().close();
    },
  );

  test(
    'the Exchange view shows a 429 as it came, and Copy as curl repeats exactly that request',
    { tags: ['U1', 'M3', 'M5'] },
    async () => {
      const page = await h.open();
      await page.getByTestId('fault').selectOption('rate_limit');
      await sendTemplate(page, 'plain');
      expect(await waitForRunStatus(page, 'error')).toBe('error');
      await page.getByTestId('view-exchange').click();
      const x = page.getByTestId('exchange');
      expect(await x.getByTestId('exchange-request-line').innerText()).toBe(`POST ${h.gateway.url}/v1/responses`);
      expect(await x.getByTestId('exchange-status').innerText()).toMatch(/^HTTP 429 · \d+ ms$/);
      const headers = x.getByTestId('exchange-response-headers');
      expect(await headers.locator('tr[data-header="retry-after"] td').innerText()).toBe('1');
      expect(await headers.locator('tr[data-header="retry-after-ms"] td').innerText()).toBe('1000');
      expect(await headers.locator('tr[data-header="x-request-id"] td').innerText()).toMatch(/^req_[0-9a-f]+$/);
      const requestHeaders = x.getByTestId('exchange-request-headers');
      expect(await requestHeaders.locator('tr[data-header="x-simulator-fault"] td').innerText()).toBe('rate_limit');
      const body = await x.getByTestId('exchange-request-body').innerText();
      expect(JSON.parse(body)).toEqual({ model: 'sim-chat', input: 'Say hello in five words.', stream: true });
      const error = JSON.parse(await x.getByTestId('exchange-response-body').innerText()) as {
        error: { code: string };
      };
      expect(error.error.code).toBe('rate_limit_exceeded');

      await x.getByTestId('exchange-copy-curl').click();
      await expect
        .poll(() => page.getByTestId('toast').innerText())
        .toBe('Copied curl of this exact request to the clipboard');
      const curl = await clipboard(page);
      expect(curl.startsWith(`curl -X POST '${h.gateway.url}/v1/responses'`)).toBe(true);
      expect(curl).toContain(`--data-raw '${body}'`);
      // The command is the request: run it and get the same answer.
      const { stdout } = await run('sh', ['-c', `${curl} -s -o /dev/null -w '%{http_code}'`]);
      expect(stdout).toBe('429');
      await page.context().close();
    },
  );

  test(
    'the tool answer is sent exactly as typed, with a JSON/text switch and a preview',
    { tags: ['U3'] },
    async () => {
      const page = await h.open();
      await sendTemplate(page, 'tools');
      await waitForRunStatus(page, 'completed');
      const call = page.getByTestId('tool-call').first();
      const callId = (await call.getAttribute('data-call-id')) ?? '';
      const input = call.getByTestId('tool-output-input');
      await input.fill('{"temp_c": 18');
      expect(await call.getByTestId('submit-tool-output').isDisabled()).toBe(true);
      await call.getByTestId('tool-output-mode-text').click();
      await input.fill('sunny, 18 °C');
      expect(JSON.parse(await call.getByTestId('tool-output-preview').innerText())).toEqual({
        type: 'function_call_output',
        call_id: callId,
        output: 'sunny, 18 °C',
      });
      await call.getByTestId('tool-output-mode-json').click();
      await input.fill('{"temp_c": 18}');
      expect(JSON.parse(await call.getByTestId('tool-output-preview').innerText())).toEqual({
        type: 'function_call_output',
        call_id: callId,
        output: '{"temp_c": 18}',
      });
      await call.getByTestId('submit-tool-output').click();
      await expect.poll(() => page.getByTestId('run-tab').count()).toBe(2);
      await waitForRunStatus(page, 'completed');
      // The continuation's body as sent: the output string is what was typed, not wrapped, not re-encoded.
      await page.getByTestId('view-exchange').click();
      const sent = JSON.parse(await page.getByTestId('exchange-request-body').innerText()) as { input: unknown[] };
      expect(sent.input).toEqual([{ type: 'function_call_output', call_id: callId, output: '{"temp_c": 18}' }]);
      // The first run's call shows as answered, with that output.
      await page.getByTestId('run-tab').first().click();
      expect(await page.getByTestId('tool-call').first().getAttribute('data-answered')).toBe('true');
      expect(await page.getByTestId('tool-answered-output').innerText()).toBe('{"temp_c": 18}');
      await page.context().close();
    },
  );

  test(
    'session mode says what it waits for, with the timeout; the answered call and its output stay',
    { tags: ['U3', 'C1', 'E2'] },
    async () => {
      const page = await h.open();
      await sendTemplate(page, 'session');
      const waiting = page.getByTestId('tool-waiting');
      await waiting.waitFor({ timeout: 20_000 });
      const call = page.getByTestId('tool-call').first();
      const callId = (await call.getAttribute('data-call-id')) ?? '';
      expect(await waiting.innerText()).toMatch(
        new RegExp(
          `^The response is waiting for 1 tool output \\(${callId}\\) — it fails with tool_outputs_timeout in \\d+:\\d\\d\\.$`,
        ),
      );
      // --responses-tool-timeout is 600 s by default: the countdown starts at 10:00 and runs down.
      expect(await page.getByTestId('tool-waiting-countdown').innerText()).toMatch(/^(10:00|9:5\d)$/);
      expect(await page.getByTestId('run-waiting').innerText()).toMatch(
        /^waiting for 1 tool output · times out in \d+:\d\d$/,
      );
      expect(await page.getByTestId('run-status').innerText()).toBe('waiting');
      await call.getByTestId('tool-output-input').fill('{"temp_c": 18}');
      await call.getByTestId('submit-tool-output').click();
      expect(await waitForRunStatus(page, 'completed')).toBe('completed');
      expect(await page.getByTestId('tool-waiting').count()).toBe(0);
      expect(await call.getAttribute('data-answered')).toBe('true');
      expect(await call.getByTestId('tool-answered-output').innerText()).toBe('{"temp_c": 18}');
      expect(
        await page.getByTestId('assembled-item-function_call_output').getByTestId('assembled-output').innerText(),
      ).toBe('{"temp_c": 18}');
      // The submission is the run's second exchange, as sent.
      await page.getByTestId('view-exchange').click();
      await page.getByTestId('exchange-tab').nth(1).click();
      expect(JSON.parse(await page.getByTestId('exchange-request-body').innerText())).toEqual({
        tool_outputs: [{ call_id: callId, output: '{"temp_c": 18}' }],
      });
      await page.context().close();
    },
  );

  test('a diff keeps side B on screen and shows no tokens/s for a two-token run', { tags: ['U6'] }, async () => {
    const page = await h.open({ width: 1440, height: 900 });
    await page.getByTestId('deltas').fill('2');
    await sendTemplate(page, 'plain');
    await waitForRunStatus(page, 'completed');
    await page.getByTestId('fault').selectOption('truncate');
    await page.getByTestId('send').click();
    await waitForRunStatus(page, /error|failed/);
    await page.getByTestId('side-library').click();
    await page.getByTestId('library-row').nth(1).waitFor();
    await page.getByTestId('library-check').nth(1).check();
    await page.getByTestId('library-check').nth(0).check();
    await page.getByTestId('library-diff').click();
    const table = page.getByTestId('diff-json');
    await table.waitFor();
    const fits = await table.evaluate((t) => t.scrollWidth <= (t.parentElement?.clientWidth ?? 0));
    expect(fits).toBe(true);
    const tokens = page.getByTestId('diff-timing').locator('tr', { hasText: 'Tokens/s' });
    expect(await tokens.locator('td').allInnerTexts()).toEqual(['Tokens/s', '–', '–', '']);
    await page.getByTestId('diff-close').click();
    await page.context().close();
  });

  test(
    'a stall says how long nothing came; Esc aborts and the unfinished items say so; faults are one-shot and marked',
    { tags: ['U1', 'U2', 'E1', 'E5'] },
    async () => {
      const page = await h.open();
      await page.getByTestId('fault').selectOption('stall');
      expect(await page.getByTestId('send').innerText()).toBe('Send ⚡stall');
      await sendTemplate(page, 'plain');
      // The fault was for this send only.
      expect(await page.getByTestId('fault').inputValue()).toBe('');
      expect(await page.getByTestId('run-fault').innerText()).toBe('⚡ injected fault: stall');
      expect(await page.getByTestId('run-tab').first().innerText()).toContain('⚡stall');
      await expect
        .poll(() => page.getByTestId('run-stall').innerText(), { timeout: 15_000 })
        .toMatch(/^no data for [2-9] s$/);
      await page.keyboard.press('Escape');
      expect(await waitForRunStatus(page, 'aborted')).toBe('aborted');
      expect(await page.getByTestId('run-stall').count()).toBe(0);
      expect(await page.getByTestId('assembled-state').innerText()).toBe('stream aborted');
      expect(await page.getByTestId('assembled-interrupted').first().innerText()).toBe('interrupted');
      expect(await page.getByTestId('assembled-status').count()).toBe(0);
      // The next send has no fault.
      await page.getByTestId('send').click();
      await expect.poll(() => page.getByTestId('run-tab').count()).toBe(2);
      expect(await waitForRunStatus(page, 'completed')).toBe('completed');
      expect(await page.getByTestId('run-fault').count()).toBe(0);
      await page.context().close();
    },
  );

  test(
    'the WebSocket transport: the timeline streams from the socket and the Exchange view lists every frame',
    { tags: ['X2', 'U1', 'U2'] },
    async () => {
      const page = await h.open();
      await page.getByTestId('transport').selectOption('websocket');
      await page.getByTestId('dialect').selectOption('open-responses');
      await sendTemplate(page, 'plain');
      expect(await waitForRunStatus(page, 'completed')).toBe('completed');
      const rows = Number(/(\d+) events/.exec(await page.getByTestId('run-stats').innerText())?.[1]);
      expect(rows).toBeGreaterThan(3);
      expect(await page.getByTestId('run-stats').innerText()).toContain('WebSocket (101)');
      await page.getByTestId('view-exchange').click();
      const x = page.getByTestId('exchange');
      const wsUrl = h.gateway.url.replace('http://', 'ws://');
      expect(await x.getByTestId('exchange-request-line').innerText()).toBe(
        `GET ${wsUrl}/v1/responses?dialect=open-responses&extensions=on`,
      );
      expect(await x.getByTestId('exchange-status').innerText()).toMatch(
        /^101 Switching Protocols · \d+ frames · \d+ ms$/,
      );
      const frames = x.getByTestId('exchange-frame');
      // The message sent, then one frame per event of the timeline.
      expect(await frames.count()).toBe(rows + 1);
      expect(await frames.first().getAttribute('data-direction')).toBe('sent');
      expect(await frames.first().locator('td').nth(2).innerText()).toBe('response.create');
      expect(await frames.last().getAttribute('data-direction')).toBe('received');
      expect(await frames.last().locator('td').nth(2).innerText()).toBe('response.completed');
      const sent = JSON.parse(await x.getByTestId('exchange-request-body').innerText()) as Record<string, unknown>;
      expect(sent).toEqual({ type: 'response.create', model: 'sim-chat', input: 'Say hello in five words.' });

      // An error frame ends the run as an error with the frame's status and code; the simulator
      // switches go as a model suffix (a browser cannot set headers on an upgrade).
      await page.getByTestId('fault').selectOption('rate_limit');
      await page.getByTestId('send').click();
      expect(await waitForRunStatus(page, 'error')).toBe('error');
      await page.getByTestId('view-exchange').click();
      const failed = page.getByTestId('exchange');
      expect(await failed.getByTestId('exchange-status').innerText()).toMatch(/^error frame · status 429 · 2 frames/);
      const errorFrame = failed.getByTestId('exchange-frame').last();
      expect(await errorFrame.locator('td').nth(2).innerText()).toBe('error');
      expect(await errorFrame.innerText()).toContain('rate_limit_exceeded');
      await page.context().close();
    },
  );
});
