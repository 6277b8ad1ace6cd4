/**
 * The compliance report (T1): Vitest's JSON results (each test with its tags) folded into one row
 * per feature ID, printed as a table and written to docs/compliance.md by `npm run compliance`
 * (scripts/compliance.ts). Pure functions: the runner feeds them, the tests check them.
 */
import { BRIEF_IDS, type BriefId } from '../support/brief-ids.js';

/** The part of Vitest's JSON reporter output the report reads (`--reporter=json`). */
export interface VitestJson {
  testResults: {
    name: string;
    assertionResults: { fullName: string; status: string; tags?: string[] }[];
  }[];
}

export interface IdRow {
  id: BriefId;
  description: string;
  tests: number;
  passed: number;
  failed: number;
  skipped: number;
  /** `file › full test name` of each test, failed ones first. */
  names: string[];
  /** Why no test applies (tests/compliance/not-applicable.ts), when there is no test. */
  notApplicable: string | null;
}

export interface ComplianceReport {
  rows: IdRow[];
  /** IDs of the product brief (C…T) with neither a test nor a not-applicable entry. */
  uncovered: BriefId[];
  /** IDs added after the brief (B, X, U) that have no test yet: reported, not a failure. */
  untested: BriefId[];
  /** Tests that ran under a tag this report does not know (strictTags makes this empty). */
  unknownTags: string[];
  failed: number;
  total: number;
}

/** The product brief's own IDs: Critical, High, Medium, Low, Edge cases, Documentation and tests. */
export function isBriefId(id: string): boolean {
  return /^[CHMLEDT]\d+$/.test(id);
}

const IDS = Object.keys(BRIEF_IDS) as BriefId[];

function relative(file: string, root: string): string {
  return file.startsWith(root) ? file.slice(root.length).replace(/^[\\/]/, '') : file;
}

/** Folds one or more Vitest JSON results (the unit and the browser configurations) into rows. */
export function buildReport(
  results: VitestJson[],
  notApplicable: Partial<Record<BriefId, string>>,
  root: string,
): ComplianceReport {
  const rows = new Map<BriefId, IdRow>(
    IDS.map((id) => [
      id,
      { id, description: BRIEF_IDS[id], tests: 0, passed: 0, failed: 0, skipped: 0, names: [], notApplicable: null },
    ]),
  );
  const unknownTags = new Set<string>();
  const failedNames: Record<string, string[]> = {};
  let total = 0;
  let failed = 0;
  for (const result of results) {
    for (const file of result.testResults) {
      for (const test of file.assertionResults) {
        const tags = test.tags ?? [];
        if (tags.length === 0) continue;
        total += 1;
        if (test.status === 'failed') failed += 1;
        for (const tag of new Set(tags)) {
          const row = rows.get(tag as BriefId);
          if (!row) {
            unknownTags.add(tag);
            continue;
          }
          row.tests += 1;
          if (test.status === 'passed') row.passed += 1;
          else if (test.status === 'failed') row.failed += 1;
          else row.skipped += 1;
          const name = `${relative(file.name, root)} › ${test.fullName}`;
          if (test.status === 'failed') (failedNames[tag] ??= []).push(`FAILED ${name}`);
          else row.names.push(name);
        }
      }
    }
  }
  const uncovered: BriefId[] = [];
  const untested: BriefId[] = [];
  for (const row of rows.values()) {
    row.names = [...(failedNames[row.id] ?? []), ...row.names.sort()];
    if (row.tests > 0) continue;
    row.notApplicable = notApplicable[row.id] ?? null;
    if (row.notApplicable !== null) continue;
    if (isBriefId(row.id)) uncovered.push(row.id);
    else untested.push(row.id);
  }
  return { rows: [...rows.values()], uncovered, untested, unknownTags: [...unknownTags].sort(), failed, total };
}

/** Exit status of `npm run compliance`: 1 on any failed test or any brief ID left uncovered. */
export function exitCode(report: ComplianceReport): number {
  return report.failed > 0 || report.uncovered.length > 0 || report.unknownTags.length > 0 ? 1 : 0;
}

function status(row: IdRow): string {
  if (row.failed > 0) return 'FAIL';
  if (row.tests === 0) return row.notApplicable !== null ? 'n/a' : isBriefId(row.id) ? 'MISSING' : 'no test';
  if (row.passed === 0) return 'skipped';
  return 'pass';
}

/** The terminal table: one line per ID, the test names indented below it. */
export function textTable(report: ComplianceReport): string {
  const lines = [
    `${'ID'.padEnd(4)} ${'status'.padEnd(8)} ${'tests'.padStart(5)} ${'passed'.padStart(6)} ${'failed'.padStart(6)}  feature`,
  ];
  for (const row of report.rows) {
    lines.push(
      `${row.id.padEnd(4)} ${status(row).padEnd(8)} ${String(row.tests).padStart(5)} ${String(row.passed).padStart(6)} ${String(row.failed).padStart(6)}  ${row.description}`,
    );
    if (row.notApplicable !== null) lines.push(`       not applicable: ${row.notApplicable}`);
    for (const name of row.names) lines.push(`       ${name}`);
  }
  lines.push('', summary(report));
  return lines.join('\n');
}

export function summary(report: ComplianceReport): string {
  const parts = [`${report.total} tagged tests, ${report.failed} failed`];
  if (report.uncovered.length > 0) parts.push(`brief IDs without a test: ${report.uncovered.join(', ')}`);
  if (report.untested.length > 0) parts.push(`later IDs without a test yet: ${report.untested.join(', ')}`);
  if (report.unknownTags.length > 0) parts.push(`unknown tags: ${report.unknownTags.join(', ')}`);
  return parts.join('; ') + '.';
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export interface RunInfo {
  date: string;
  commit: string;
  node: string;
  machine: string;
}

/** docs/compliance.md: written by `npm run compliance`, never by hand. */
export function complianceMarkdown(report: ComplianceReport, run: RunInfo): string {
  const out = [
    '# Compliance report (T1)',
    '',
    '<!-- Generated by `npm run compliance` (scripts/compliance.ts); do not edit by hand. -->',
    '',
    "Every test of the suite that proves a feature carries that feature's ID as a Vitest tag",
    "(`test('…', { tags: ['C1'] }, fn)`; the IDs are in `tests/support/brief-ids.ts`, an unknown tag",
    'fails the run). `npm run compliance` runs the tagged tests of both configurations (unit and',
    'integration, then the browser tests), prints this table and writes this file; it exits non-zero',
    'when a test fails or when an ID of the product brief (C…T) has neither a test nor a',
    '"not applicable" entry (`tests/compliance/not-applicable.ts`).',
    '',
    `Last run: ${run.date}, commit \`${run.commit}\`, Node ${run.node}, ${run.machine}.`,
    `Result: ${summary(report)}`,
    '',
    '| ID | Feature | Status | Tests | Passed | Failed |',
    '| -- | ------- | ------ | ----: | -----: | -----: |',
  ];
  for (const row of report.rows) {
    out.push(
      `| [${row.id}](#${row.id.toLowerCase()}) | ${cell(row.description)} | ${status(row)} | ${row.tests} | ${row.passed} | ${row.failed} |`,
    );
  }
  out.push('', '## Tests by ID', '');
  for (const row of report.rows) {
    out.push(`### ${row.id}`, '', `${cell(row.description)}.`, '');
    if (row.notApplicable !== null) out.push(`Not applicable: ${row.notApplicable}`, '');
    else if (row.names.length === 0) out.push('No test yet.', '');
    else {
      for (const name of row.names) out.push(`- ${cell(name)}`);
      out.push('');
    }
  }
  return out.join('\n');
}

/** The table rows of a docs/compliance.md as `{id, status, tests}` (what the drift test reads). */
export function parseComplianceTable(markdown: string): { id: string; status: string; tests: number }[] {
  const rows: { id: string; status: string; tests: number }[] = [];
  for (const line of markdown.split('\n')) {
    const m = /^\| \[([A-Z]\d+)\]\(#[a-z0-9]+\) \| .* \| ([a-zA-Z/ ]+) \| (\d+) \| (\d+) \| (\d+) \|$/.exec(line);
    if (m) rows.push({ id: m[1], status: m[2], tests: Number(m[3]) });
  }
  return rows;
}
