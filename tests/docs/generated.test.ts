/**
 * The generated pages (D1 API reference, D3 compatibility matrix, the flag table) are what the
 * code generates now: a route, request field, capability, event, error or flag that changes
 * without `npm run docs` fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { documentedRoutes, errorCatalogue, ROUTE_DESCRIPTIONS } from '../../scripts/docs/api-reference.js';
import { openResponsesFacts } from '../../scripts/docs/compatibility.js';
import { allRoutes, generatedDocs, REPO_ROOT, SPEC_PATH } from '../../scripts/docs/generate.js';
import type { RouteInfo } from '../../src-server/http/server.js';
import { DEFAULT_CAPABILITIES } from '../../src-server/shared/protocol/capabilities.js';

describe('generated documentation', () => {
  let pages: Record<string, string>;
  let routes: readonly RouteInfo[];
  beforeAll(async () => {
    pages = await generatedDocs();
    routes = await allRoutes();
  });

  test.each(['docs/api-reference.md', 'docs/compatibility.md', 'docs/flags.md'])(
    '%s matches the code (regenerate with npm run docs)',
    { tags: ['D1', 'D3'] },
    (file) => {
      const committed = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
      expect(committed, `${file} is stale: run npm run docs`).toBe(pages[file]);
    },
  );

  test('every route the router registers is described, and every description names a route', { tags: ['D1'] }, () => {
    const keys = documentedRoutes(routes).map((r) => r.key);
    expect(
      keys.filter((k) => ROUTE_DESCRIPTIONS[k] === undefined),
      'routes without a description',
    ).toEqual([]);
    expect(
      Object.keys(ROUTE_DESCRIPTIONS).filter((k) => !keys.includes(k)),
      'descriptions of no route',
    ).toEqual([]);
    // Azure aliases are folded into their /v1 route, none left over.
    const folded = documentedRoutes(routes).flatMap((r) => r.azure);
    expect(
      routes
        .filter((r) => r.pattern.startsWith('/openai/'))
        .map((r) => r.pattern)
        .sort(),
    ).toEqual(folded.sort());
  });

  test('the reference lists every request field, error code and capability value', { tags: ['D1'] }, () => {
    const page = pages['docs/api-reference.md'];
    for (const e of errorCatalogue()) if (e.code.startsWith('`')) expect(page).toContain(e.code);
    for (const table of Object.values(DEFAULT_CAPABILITIES))
      for (const key of Object.keys(table)) expect(page).toContain(`\`${key}\``);
    // Placeholders never leak into the page.
    expect(page).not.toContain('\uE000');
  });

  test('the Open Responses column is read from the specification', { tags: ['D3'] }, () => {
    const facts = openResponsesFacts(SPEC_PATH);
    expect(facts.parameters.has('model')).toBe(true);
    expect(facts.inputItems.has('function_call_output')).toBe(true);
    expect(facts.events.has('response.output_text.delta')).toBe(true);
    expect(facts.paths.has('POST /v1/responses')).toBe(true);
    const rows = pages['docs/compatibility.md'].split('\n').filter((l) => l.startsWith('| `'));
    // One row per request field, input item, tool, include value, event and endpoint, five columns each.
    expect(rows.length).toBeGreaterThan(100);
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length).toBe(7);
  });
});
