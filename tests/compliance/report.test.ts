/**
 * T1: the compliance report folds Vitest's results into one row per ID, fails on a failed test or
 * an uncovered brief ID, and docs/compliance.md (written by `npm run compliance`, not by this
 * suite: running the suite inside itself would double its time) has a row for every ID.
 *
 * What is checked against the committed page is its shape — every ID present, the counts
 * consistent — not its numbers: those are a dated snapshot of the run named in the page, and a
 * new tagged test elsewhere must not fail this suite until the report is run again.
 */
import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { BRIEF_IDS, type BriefId } from '../support/brief-ids.js';
import { NOT_APPLICABLE } from './not-applicable.js';
import {
  buildReport,
  complianceMarkdown,
  exitCode,
  isBriefId,
  parseComplianceTable,
  textTable,
  type VitestJson,
} from './report.js';

const ROOT = '/repo';
const run = { date: '2026-12-01 06:00 UTC', commit: 'abc1234', node: 'v20', machine: 'test' };

/** Results in which every ID has one passing test, plus what the case adds. */
function results(extra: VitestJson['testResults'][number]['assertionResults'] = []): VitestJson[] {
  const all = (Object.keys(BRIEF_IDS) as BriefId[]).map((id) => ({
    fullName: `proves ${id}`,
    status: 'passed',
    tags: [id],
  }));
  return [
    {
      testResults: [
        { name: `${ROOT}/tests/a.test.ts`, assertionResults: [...all, ...extra] },
        { name: `${ROOT}/tests/b.test.ts`, assertionResults: [{ fullName: 'untagged', status: 'passed', tags: [] }] },
      ],
    },
  ];
}

describe('T1 compliance report', { tags: ['T1'] }, () => {
  test('counts tests per ID, names them by file, and passes when everything passed', () => {
    const report = buildReport(
      results([{ fullName: 'also C1 and E6', status: 'passed', tags: ['C1', 'E6'] }]),
      {},
      ROOT,
    );
    const c1 = report.rows.find((r) => r.id === 'C1');
    expect(c1).toMatchObject({ tests: 2, passed: 2, failed: 0 });
    expect(c1?.names).toContain('tests/a.test.ts › also C1 and E6');
    expect(report.total).toBe(Object.keys(BRIEF_IDS).length + 1);
    expect(exitCode(report)).toBe(0);
    expect(textTable(report)).toMatch(/^C1 +pass +2 +2 +0 +tool outputs endpoint/m);
  });

  test('a failed test fails the run and is listed first under each of its IDs', () => {
    const report = buildReport(results([{ fullName: 'broken', status: 'failed', tags: ['H4'] }]), {}, ROOT);
    const h4 = report.rows.find((r) => r.id === 'H4');
    expect(h4).toMatchObject({ tests: 2, passed: 1, failed: 1 });
    expect(h4?.names[0]).toBe('FAILED tests/a.test.ts › broken');
    expect(exitCode(report)).toBe(1);
    expect(complianceMarkdown(report, run)).toContain('| [H4](#h4) | encrypted reasoning context | FAIL | 2 | 1 | 1 |');
  });

  test('a brief ID without a test fails unless it has a not-applicable entry; later IDs only warn', () => {
    const without = (ids: string[]): VitestJson[] => [
      {
        testResults: results()[0].testResults.map((f) => ({
          ...f,
          assertionResults: f.assertionResults.filter((t) => !ids.includes(t.tags?.[0] ?? '')),
        })),
      },
    ];
    const missing = buildReport(without(['L2', 'X9']), {}, ROOT);
    expect(missing.uncovered).toEqual(['L2']);
    expect(missing.untested).toEqual(['X9']);
    expect(exitCode(missing)).toBe(1);
    const excused = buildReport(without(['L2', 'X9']), { L2: 'proved by the benchmark only' }, ROOT);
    expect(excused.uncovered).toEqual([]);
    expect(exitCode(excused)).toBe(0);
    expect(complianceMarkdown(excused, run)).toContain('Not applicable: proved by the benchmark only');
    expect(isBriefId('X9')).toBe(false);
    expect(isBriefId('T1')).toBe(true);
  });

  test('the page it writes parses back to the same rows', () => {
    const report = buildReport(results(), {}, ROOT);
    const rows = parseComplianceTable(complianceMarkdown(report, run));
    expect(rows.map((r) => r.id)).toEqual(Object.keys(BRIEF_IDS));
    expect(rows.every((r) => r.tests === 1 && r.status === 'pass')).toBe(true);
  });

  test('every ID of the product brief is a known tag, and not-applicable entries name known IDs', () => {
    const brief = fs.readFileSync(new URL('../../../shared/product/BRIEF.md', import.meta.url), 'utf8');
    const ids = [...new Set(brief.match(/\*\*([CHMLEDT]\d+)\b/g)?.map((m) => m.slice(2)) ?? [])];
    expect(ids.length).toBeGreaterThanOrEqual(37);
    for (const id of ids) expect(Object.keys(BRIEF_IDS)).toContain(id);
    for (const id of Object.keys(NOT_APPLICABLE)) expect(Object.keys(BRIEF_IDS)).toContain(id);
  });

  // Inside `npm run compliance` the page is the output of the run in progress, not an input: the
  // check belongs to the ordinary suite (scripts/compliance.ts sets the variable).
  test.skipIf(process.env.RESPONSES_STUDIO_COMPLIANCE_RUN === '1')(
    'docs/compliance.md was written by the command and has a consistent row for every ID',
    () => {
      const page = fs.readFileSync(new URL('../../docs/compliance.md', import.meta.url), 'utf8');
      expect(page).toContain('Generated by `npm run compliance`');
      expect(page).toMatch(/^Last run: \d{4}-\d\d-\d\d \d\d:\d\d UTC, commit `[0-9a-f]+/m);
      const rows = parseComplianceTable(page);
      expect(rows.map((r) => r.id).sort()).toEqual(Object.keys(BRIEF_IDS).sort());
      for (const row of rows) {
        if (row.status === 'pass' || row.status === 'FAIL') expect(row.tests, row.id).toBeGreaterThan(0);
        if (row.status === 'n/a') expect(NOT_APPLICABLE[row.id as BriefId], row.id).toBeTruthy();
      }
    },
  );
});
