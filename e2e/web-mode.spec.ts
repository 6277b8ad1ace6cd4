/**
 * Web mode is the same product as the desktop app: connection profiles get their own gateway on
 * the server with the key kept there, re-runs go to a profile by its id, the top bar names the
 * backend really in use and its health, the library and saved requests survive a restart in the
 * data folder, and `npm start` prints one line. Every server here keeps its data in memory or in a
 * temporary folder: nothing touches the user's own data folder.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { hasChromium, sendTemplate, startHarness, waitForRunStatus, type Harness } from './harness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(!hasChromium)('web mode: connection profiles hosted by the server', () => {
  let h: Harness;
  let dir: string;
  let backendUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'studio-web-'));
    h = await startHarness(['--data-dir', dir]);
    // The built-in simulator speaks Chat Completions: it stands in for a vLLM server.
    const caps = (await (await fetch(`${h.gateway.url}/v1/capabilities`)).json()) as { backend: { url: string } };
    backendUrl = caps.backend.url;
  });
  afterEach(() => {
    expect(h.pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test(
    'a vLLM profile connects in the browser: its own gateway, the key kept server-side in a 0600 file',
    { tags: ['U8'] },
    async () => {
      const page = await h.open();
      await page.getByTestId('side-connections').click();
      await page.getByTestId('profile-vllm-local').locator('input').check();
      await page.getByTestId('profile-backend-url').fill(backendUrl);
      await page.getByTestId('profile-api-key').fill('sk-profile-secret-123');
      await page.getByTestId('profile-connect').click();
      await page.getByTestId('profile-gateway-url').waitFor();
      await page.getByTestId('topbar-health').and(page.locator('[data-state="ok"]')).waitFor();
      expect(await page.getByTestId('topbar-backend').innerText()).toBe(
        `Local vLLM · vllm ${backendUrl} · backend answers`,
      );
      // The key left the page: the field is empty and nothing the page can read holds it.
      expect(await page.getByTestId('profile-api-key').inputValue()).toBe('');
      expect(await page.content()).not.toContain('sk-profile-secret-123');
      const listed = await (await fetch(`${h.gateway.url}/v1/console/profiles`)).text();
      expect(listed).not.toContain('sk-profile-secret-123');
      expect(JSON.parse(listed)).toMatchObject({ key_storage: 'file', data: [{ id: 'vllm-local', has_key: true }] });
      const file = join(dir, 'profile-keys.json');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ 'profile:vllm-local': 'sk-profile-secret-123' });
      // Requests go through the profile's gateway.
      await sendTemplate(page, 'plain');
      expect(await waitForRunStatus(page, 'completed')).toBe('completed');
      await page.getByTestId('view-exchange').click();
      const url = (await page.getByTestId('profile-gateway-url').innerText()).split(' ')[1];
      expect(await page.getByTestId('exchange-request-line').innerText()).toBe(`POST ${url}/v1/responses`);
      // Another origin than the page: the headers the console shows are exposed to it (CORS).
      const exposed = page.getByTestId('exchange-response-headers');
      expect(await exposed.locator('tr[data-header="x-request-id"] td').innerText()).toMatch(/^req_/);
      expect(await exposed.locator('tr[data-header="openai-processing-ms"]').count()).toBe(1);
      await page.context().close();
    },
  );

  test(
    're-run against another profile by its id, and the re-run links to its original',
    { tags: ['U6', 'U8'] },
    async () => {
      const page = await h.open();
      await sendTemplate(page, 'plain');
      await waitForRunStatus(page, 'completed');
      // After a reload the page learns the running profile gateways from the server.
      await page.getByTestId('side-library').click();
      await page.getByTestId('library-search').fill('Say hello');
      await page.getByTestId('library-row').first().click();
      const original = (await page.getByTestId('library-row').first().getAttribute('data-id')) ?? '';
      await page.getByTestId('library-rerun-profile').selectOption('vllm-local');
      await page.getByTestId('library-rerun').click();
      const view = page.getByTestId('diff-view');
      await view.waitFor({ timeout: 20_000 });
      expect(await view.innerText()).toMatch(/Re-run on Local vLLM/);
      await page.getByTestId('diff-close').click();
      await page.getByTestId('library-search').fill(original);
      await expect.poll(() => page.getByTestId('library-rerun-of').count()).toBe(1);
      expect(await page.getByTestId('library-rerun-of').innerText()).toBe(`re-run of ${original}`);
      expect(await page.getByTestId('library-name').first().innerText()).toMatch(
        /^re-run: “Say hello in five words\.” · sim-chat · /,
      );
      await page.context().close();
    },
  );
});

describe.skipIf(!hasChromium)('web mode keeps the library and saved requests in its data folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'studio-data-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test(
    'recordings, stored responses and saved requests are there after a restart',
    { tags: ['U6', 'M6'] },
    async () => {
      let h = await startHarness(['--data-dir', dir]);
      let responseId = '';
      try {
        const page = await h.open();
        await sendTemplate(page, 'plain');
        await waitForRunStatus(page, 'completed');
        responseId = (await page.getByTestId('run-stats').innerText()).match(/resp_[0-9a-f]+/)?.[0] ?? '';
        await page.getByTestId('side-saved').click();
        await page.getByTestId('saved-new-collection-name').fill('Kept');
        await page.getByTestId('saved-new-collection').click();
        await page.getByTestId('saved-name').fill('Hello request');
        await page.getByTestId('saved-save').click();
        await page.getByTestId('saved-request').first().waitFor();
        expect(h.pageErrors.splice(0)).toEqual([]);
      } finally {
        await h.close();
      }
      h = await startHarness(['--data-dir', dir]);
      try {
        const page = await h.open();
        await page.getByTestId('side-library').click();
        await page.getByTestId('library-row').first().waitFor();
        expect(await page.getByTestId('library-name').first().innerText()).toMatch(
          /^“Say hello in five words\.” · sim-chat/,
        );
        const stored = await fetch(`${h.gateway.url}/v1/responses/${responseId}`);
        expect(stored.status).toBe(200);
        await page.getByTestId('side-saved').click();
        await page.getByTestId('saved-request').first().waitFor();
        expect(await page.getByTestId('saved-collection').first().innerText()).toContain('Hello request');
        expect(h.pageErrors.splice(0)).toEqual([]);
      } finally {
        await h.close();
      }
    },
  );
});

describe.skipIf(!hasChromium)('the top bar names the backend really in use', () => {
  test('a dead backend: the URL and "backend down", not "Built-in simulator"', { tags: ['U7', 'U8'] }, async () => {
    const port = await closedPort();
    const h = await startHarness(['--backend', `http://127.0.0.1:${port}`]);
    try {
      const page = await h.open({ health: 'down' });
      const text = await page.getByTestId('topbar-backend').innerText();
      expect(text).toMatch(new RegExp(`^Built-in gateway → vllm http://127\\.0\\.0\\.1:${port} · backend down: `));
      expect(text).not.toContain('simulator');
      expect(h.pageErrors.filter((e) => !e.includes('/healthz'))).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

/** `npm start` as a user runs it (web mode, in memory), until it prints what it prints. */
function startCli(args: string[]): {
  out: () => string;
  err: () => string;
  waitFor: (re: RegExp) => Promise<string>;
  stop: () => Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/launch.ts', 'start', '--in-memory', ...args], {
    cwd: ROOT,
    env: { ...process.env, STUDIO_WEB_MODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    out: () => out,
    err: () => err,
    async waitFor(re) {
      await expect.poll(() => re.exec(out + err)?.[0] ?? '', { timeout: 120_000, interval: 100 }).not.toBe('');
      return re.exec(out + err)?.[0] ?? '';
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('npm start: a clean start', () => {
  test('one line with the URL to open; no bundler or log output', { tags: ['U7'] }, async () => {
    const cli = startCli([]);
    try {
      const line = await cli.waitFor(/Responses Studio: http:\/\/127\.0\.0\.1:\d+\/ .*\n/);
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(line)?.[0] ?? '';
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // The backend probe has answered by the time the page can be loaded twice over.
      expect((await fetch(`${url}/`)).status).toBe(200);
    } finally {
      expect(await cli.stop()).toBe(0);
    }
    expect(cli.out()).toMatch(
      /^Responses Studio: http:\/\/127\.0\.0\.1:\d+\/ {2}— open it in a browser; Ctrl\+C stops it\.\n$/,
    );
    expect(cli.err()).toBe('');
  });

  test('a warning when the configured backend does not answer', { tags: ['U7'] }, async () => {
    const port = await closedPort();
    const cli = startCli(['--backend', `http://127.0.0.1:${port}`]);
    try {
      const warning = await cli.waitFor(/warning: .*\n/);
      expect(warning).toMatch(
        new RegExp(
          `^warning: the backend http://127\\.0\\.0\\.1:${port} does not answer \\(.+\\); requests will fail until it does\\.\\n$`,
        ),
      );
    } finally {
      expect(await cli.stop()).toBe(0);
    }
    expect(cli.out().split('\n').filter(Boolean)).toHaveLength(1);
  });
});
