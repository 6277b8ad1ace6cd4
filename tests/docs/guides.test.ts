/**
 * The hand-written guides stay true: D5 troubleshooting entries exist for every code that links to
 * them and error responses carry the link; the flags the D2 migration guide and D5 name exist.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorCatalogue } from '../../scripts/docs/api-reference.js';
import { REPO_ROOT } from '../../scripts/docs/generate.js';
import { defaultConfig, FLAGS } from '../../src-server/config/flags.js';
import { createGateway, type Gateway } from '../../src-server/gateway.js';
import { createLogger } from '../../src-server/logging/logger.js';
import { EXPOSED_HEADERS } from '../../src-server/http/cors.js';
import {
  TROUBLESHOOTING_CODES,
  TROUBLESHOOTING_HEADER,
  troubleshootingAnchor,
} from '../../src-server/shared/protocol/troubleshooting.js';
import { postJson } from '../support/gateway-harness.js';

const read = (file: string): string => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
const headings = (markdown: string): string[] =>
  markdown
    .split('\n')
    .filter((l) => l.startsWith('### '))
    .map((l) => l.slice(4).trim());
/** `--flag` names a page mentions (gateway flags only: vLLM's own are listed in VLLM_FLAGS). */
const flagsIn = (markdown: string): string[] => [...new Set(markdown.match(/(?<![\w-])--[a-z][a-z0-9-]+/g) ?? [])];
const GATEWAY_FLAGS = new Set(FLAGS.map((f) => `--${f.flag}`));
/** vLLM's and other tools' flags the guides mention on purpose. */
const OTHER_FLAGS = new Set([
  '--enable-auto-tool-choice',
  '--tool-call-parser',
  '--reasoning-parser',
  '--scheduling-policy',
  '--served-model-name',
  '--tool-server',
  '--api-key',
  '--port',
  '--host',
  '--enable-prompt-tokens-details',
  '--enable-force-include-usage',
  '--enable-log-outputs',
  '--omit',
  '--no-install',
  '--help',
  '--data-dir',
  '--all',
  '--out',
  '--id',
  '--format',
  '--target',
  '--header',
  '--speed',
  '--ignore',
  '--json',
  '--run-a',
  '--run-b',
  '--rm',
  '--name',
  '--env',
  '--network',
  '--init',
  '--publish',
  '--volume',
  '--config',
  '--enable-responses-api-store',
]);

describe('D5 troubleshooting guide', { tags: ['D5'] }, () => {
  const guide = read('docs/troubleshooting.md');

  test('every linked code has an entry, under its own code as the heading', () => {
    const codes = headings(guide).filter((h) => /^[a-z_]+$/.test(h));
    expect([...TROUBLESHOOTING_CODES].sort()).toEqual([...codes].sort());
    for (const code of codes) expect(troubleshootingAnchor(code)).toBe(code);
  });

  test('every entry is a code the gateway can return', () => {
    const known = new Set(errorCatalogue().map((e) => e.code.replace(/`/g, '')));
    for (const code of TROUBLESHOOTING_CODES) expect(known, code).toContain(code);
  });

  test('the flags it names exist', () => {
    for (const flag of flagsIn(guide)) expect(GATEWAY_FLAGS.has(flag) || OTHER_FLAGS.has(flag), flag).toBe(true);
  });

  describe('error responses link their entry', () => {
    let gateway: Gateway;
    beforeAll(async () => {
      // A backend on a port nothing listens on: every create is a backend_unreachable.
      gateway = await createGateway(
        {
          ...defaultConfig(),
          host: '127.0.0.1',
          port: 0,
          logLevel: 'silent',
          backend: 'http://127.0.0.1:9/v1',
          backendTimeoutSeconds: 5,
        },
        { logger: createLogger('silent') },
      );
    });
    afterAll(() => gateway.close());

    test('backend_unreachable and unknown_parameter carry the header; codes without an entry do not', async () => {
      const down = await postJson(`${gateway.url}/v1/responses`, { model: 'm', input: 'hi' });
      expect(down.status).toBe(502);
      expect(((await down.json()) as { error: { code: string } }).error.code).toBe('backend_unreachable');
      expect(down.headers.get(TROUBLESHOOTING_HEADER)).toBe('docs/troubleshooting.md#backend_unreachable');

      const unknown = await postJson(`${gateway.url}/v1/responses`, { model: 'm', input: 'hi', frobnicate: 1 });
      expect(unknown.status).toBe(400);
      expect(unknown.headers.get(TROUBLESHOOTING_HEADER)).toBe('docs/troubleshooting.md#unknown_parameter');

      const route = await fetch(`${gateway.url}/v1/nothing-here`);
      expect(route.status).toBe(404);
      expect(route.headers.get(TROUBLESHOOTING_HEADER)).toBeNull();
      expect(fs.existsSync(path.join(REPO_ROOT, 'docs/troubleshooting.md'))).toBe(true);
      expect(EXPOSED_HEADERS).toContain(TROUBLESHOOTING_HEADER);
    });
  });
});

describe('D2 migration guide', { tags: ['D2'] }, () => {
  test('covers vLLM native, OpenAI hosted and the LiteLLM / Ollama bridges', () => {
    const guide = read('docs/migration.md');
    for (const section of ['From vLLM', 'From OpenAI', 'From LiteLLM', 'From Ollama'])
      expect(
        headings(guide.replace(/^## /gm, '### ')).some((h) => h.startsWith(section)),
        section,
      ).toBe(true);
  });

  test('every gateway flag in the mapping exists', () => {
    for (const flag of flagsIn(read('docs/migration.md')))
      expect(GATEWAY_FLAGS.has(flag) || OTHER_FLAGS.has(flag), flag).toBe(true);
  });
});
