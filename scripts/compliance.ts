/**
 * `npm run compliance` (T1): runs every test tagged with a feature ID — the unit and integration
 * configuration, then the browser configuration — prints one row per ID (tests, passed, failed,
 * the test names), writes docs/compliance.md, and exits non-zero when a test failed or an ID of
 * the product brief has neither a test nor a "not applicable" entry.
 *
 * `-- --write-only FILE…` skips the runs and builds the report from saved Vitest JSON results (e.g.
 * of a full suite run with `--reporter=json` added), naming the commit checked out when it writes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BRIEF_IDS } from '../tests/support/brief-ids.js';
import { NOT_APPLICABLE } from '../tests/compliance/not-applicable.js';
import { buildReport, complianceMarkdown, exitCode, textTable, type VitestJson } from '../tests/compliance/report.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const filter = Object.keys(BRIEF_IDS).join(' || ');

function run(config: string | null, out: string): VitestJson {
  const args = [
    vitest,
    'run',
    '--tags-filter',
    filter,
    '--reporter=dot',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ];
  if (config) args.push('--config', config);
  const result = spawnSync(process.execPath, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, RESPONSES_STUDIO_COMPLIANCE_RUN: '1' },
  });
  if (!fs.existsSync(out)) {
    throw new Error(`vitest${config ? ` --config ${config}` : ''} wrote no results (exit ${String(result.status)})`);
  }
  return JSON.parse(fs.readFileSync(out, 'utf8')) as VitestJson;
}

function git(args: string[]): string {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

function main(): number {
  const argv = process.argv.slice(2);
  // The commit the tests ran on: read before the run, which may outlast a commit made meanwhile.
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
  const commit = git(['rev-parse', '--short', 'HEAD']) + (dirty ? ' (with uncommitted changes)' : '');
  let results: VitestJson[];
  if (argv[0] === '--write-only') {
    results = argv.slice(1).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as VitestJson);
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-'));
    try {
      results = [run(null, path.join(dir, 'unit.json'))];
      // The browser tests need Chromium (installed by this script where possible, as by npm test).
      spawnSync(process.execPath, [path.join(root, 'scripts', 'ensure-chromium.mjs')], { cwd: root, stdio: 'inherit' });
      results.push(run('e2e/vitest.config.ts', path.join(dir, 'e2e.json')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const report = buildReport(results, NOT_APPLICABLE, root);
  const markdown = complianceMarkdown(report, {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    commit,
    node: process.version,
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()}`,
  });
  fs.writeFileSync(path.join(root, 'docs', 'compliance.md'), markdown);
  process.stdout.write(`\n${textTable(report)}\nWritten to docs/compliance.md.\n`);
  return exitCode(report);
}

process.exitCode = main();
