/**
 * X5 in a real browser: a page served from another origin (another local server on another port)
 * and a DNS-rebinding page (a foreign name that resolves to the gateway) can neither read nor act
 * on the gateway's console and library routes, nor use its keyless public API; the console itself
 * still works. Everything stays on 127.0.0.1 (the rebinding name is mapped there by Chromium's
 * host resolver rules).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RecordingsStore } from '../src-server/store/recordings-store.js';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  hasChromium,
  sendTemplate,
  startHarness,
  waitForRunStatus,
  type Harness,
} from './harness.js';

const REBIND_HOST = 'rebind.attacker.test';

/** What the attacker's page found out, per attempt: a status it could read, or the error it got. */
type Outcome = { read: true; status: number; text: string } | { read: false; error: string };

/** Runs the attacks from a page of `page`'s origin against the gateway at `target`. */
function attack(page: Page, target: string, backgroundId: string, sealed: string): Promise<Record<string, Outcome>> {
  return page.evaluate(
    async ({ target, backgroundId, sealed }) => {
      const attempt = async (init: RequestInit & { path: string }): Promise<Outcome> => {
        try {
          const res = await fetch(`${target}${init.path}`, init);
          return { read: true, status: res.status, text: await res.text() };
        } catch (e) {
          return { read: false, error: String(e) };
        }
      };
      const file = [
        JSON.stringify({ format: 'responses-studio-recording', version: 1, exportedAt: '', sessionId: null, runs: 1 }),
        JSON.stringify({
          kind: 'run',
          id: 'rec_planted_by_a_page',
          request: { method: 'POST', path: '/v1/responses', headers: {}, body: {} },
          status: 'completed',
        }),
      ].join('\n');
      const out: Record<string, Outcome> = {
        listRecordings: await attempt({ path: '/v1/recordings' }),
        reveal: await attempt({
          path: '/v1/console/encrypted-content/inspect',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ encrypted_content: sealed, reveal: true }),
        }),
        revealSimple: await attempt({
          path: '/v1/console/encrypted-content/inspect',
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ encrypted_content: sealed, reveal: true }),
        }),
        logs: await attempt({ path: '/v1/console/logs' }),
        storedResponse: await attempt({ path: `/v1/responses/${backgroundId}` }),
        // "Simple" requests a page may send without a preflight: they must not act either.
        plantRecording: await attempt({
          path: '/v1/recordings/import',
          method: 'POST',
          mode: 'no-cors',
          headers: { 'content-type': 'text/plain' },
          body: file,
        }),
        cancel: await attempt({ path: `/v1/responses/${backgroundId}/cancel`, method: 'POST', mode: 'no-cors' }),
        create: await attempt({
          path: '/v1/responses',
          method: 'POST',
          mode: 'no-cors',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ model: 'sim-chat', input: 'made by a foreign page' }),
        }),
      };
      // The log tail as an EventSource, and a library read as a script tag (no CORS at all).
      out.eventSource = await new Promise<Outcome>((resolve) => {
        const es = new EventSource(`${target}/v1/console/logs`);
        es.onmessage = (e) => {
          es.close();
          resolve({ read: true, status: 200, text: String(e.data) });
        };
        es.onerror = () => {
          es.close();
          resolve({ read: false, error: 'EventSource error' });
        };
      });
      out.script = await new Promise<Outcome>((resolve) => {
        const s = document.createElement('script');
        s.src = `${target}/v1/recordings`;
        s.onload = () => resolve({ read: true, status: 200, text: 'script loaded' });
        s.onerror = () => resolve({ read: false, error: 'script error' });
        document.head.appendChild(s);
      });
      return out;
    },
    { target, backgroundId, sealed },
  );
}

describe.skipIf(!hasChromium)('X5 cross-origin pages in Chromium', { tags: ['X5'] }, () => {
  let h: Harness;
  let attacker: Server;
  let attackerUrl: string;
  let rebindBrowser: Browser;
  let store: RecordingsStore;
  let backgroundId: string;
  let sealed: string;
  const served: string[] = [];

  beforeAll(async () => {
    // The background run below stalls on purpose: it must still be running when the tests check it.
    h = await startHarness(['--backend-timeout', '3600']);
    store = h.gateway.recording?.recordings as RecordingsStore;
    // Another local server on another port: the attacker's page.
    attacker = createServer((req, res) => {
      served.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>a page on another origin</title><p>nothing to see</p>');
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    rebindBrowser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${REBIND_HOST} 127.0.0.1`],
      headless: true,
    });
    // Something worth stealing: sealed reasoning, and a background run to cancel.
    const sealedRes = (await (
      await fetch(`${h.gateway.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-simulator-ttft-ms': '0', 'x-simulator-token-ms': '0' },
        body: JSON.stringify({
          model: 'sim-reasoning',
          input: 'secret plans',
          include: ['reasoning.encrypted_content'],
        }),
      })
    ).json()) as { output: { type: string; encrypted_content?: string }[] };
    sealed = sealedRes.output.find((i) => i.type === 'reasoning')?.encrypted_content ?? '';
    const background = (await (
      await fetch(`${h.gateway.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-simulator-fault': 'stall' },
        body: JSON.stringify({ model: 'sim-chat', input: 'keep running', background: true }),
      })
    ).json()) as { id: string };
    backgroundId = background.id;
  });
  afterAll(async () => {
    await fetch(`${h.gateway.url}/v1/responses/${backgroundId}/cancel`, { method: 'POST' }).catch(() => undefined);
    await rebindBrowser?.close();
    await new Promise((r) => attacker?.close(r));
    await h?.close();
  });

  /** Nothing the pages tried changed the gateway. */
  async function nothingChanged(): Promise<void> {
    expect(store.getSummary('rec_planted_by_a_page')).toBeNull();
    expect(store.listRecordings({ search: 'made by a foreign page' }).data.filter((r) => r.httpStatus === 200)).toEqual(
      [],
    );
    const bg = (await (await fetch(`${h.gateway.url}/v1/responses/${backgroundId}`)).json()) as { status: string };
    expect(['queued', 'in_progress']).toContain(bg.status);
  }

  test('a page on another port can neither read nor act', async () => {
    const context = await h.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${attackerUrl}/`);
    const out = await attack(page, h.gateway.url, backgroundId, sealed);
    for (const [name, outcome] of Object.entries(out)) {
      // Either the browser refused to hand over the answer (an error, or an opaque status 0 for
      // no-cors requests, whose effect nothingChanged() checks), or the gateway refused it.
      if (outcome.read && outcome.status !== 0) expect([403, 415], name).toContain(outcome.status);
      expect(JSON.stringify(outcome), name).not.toContain('secret plans');
    }
    // Reads fail in the browser (no CORS headers for this origin).
    for (const name of ['listRecordings', 'reveal', 'logs', 'storedResponse', 'eventSource', 'script'])
      expect(out[name].read, name).toBe(false);
    await nothingChanged();
    await context.close();
  });

  test('a DNS-rebinding page (a foreign name resolving to the gateway) gets nothing', async () => {
    const port = new URL(h.gateway.url).port;
    const context = await rebindBrowser.newContext();
    const page = await context.newPage();
    // After the rebinding, the browser considers the gateway "same origin" with the attacker's page.
    const rebound = `http://${REBIND_HOST}:${port}`;
    const first = await page.goto(`${rebound}/`);
    expect(first?.status()).toBe(403);
    expect(await page.content()).toContain('host_not_allowed');
    const out = await attack(page, rebound, backgroundId, sealed);
    for (const [name, outcome] of Object.entries(out)) {
      if (outcome.read && outcome.status !== 0) expect([403], name).toContain(outcome.status);
      expect(JSON.stringify(outcome), name).not.toContain('secret plans');
    }
    expect(out.listRecordings).toMatchObject({ read: true, status: 403 });
    expect((out.listRecordings as { text: string }).text).toContain('host_not_allowed');
    await nothingChanged();
    await context.close();
  });

  test('the console itself still works: runs, library, decrypt', async () => {
    const page = await h.open();
    await sendTemplate(page, 'plain');
    await waitForRunStatus(page, 'completed');
    await page.getByTestId('side-library').click();
    await expect.poll(() => page.getByTestId('library-row').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const inspected = await page.evaluate(async (token) => {
      const res = await fetch('/v1/console/encrypted-content/inspect', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ encrypted_content: token, reveal: true }),
      });
      return { status: res.status, body: (await res.json()) as { integrity: string } };
    }, sealed);
    expect(inspected).toMatchObject({ status: 200, body: { integrity: 'valid' } });
    expect(h.pageErrors.splice(0)).toEqual([]);
    await page.context().close();
  });
});
