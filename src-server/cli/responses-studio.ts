/**
 * `responses-studio <verb>`: the package's command line.
 *
 *   gateway [flags]                       run the gateway (flags: responses-studio gateway --help)
 *   record [flags]                        run the gateway with --record on (set --data-dir to keep them)
 *   replay FILE [--port N] [--host H] [--speed instant|N] [--ignore a,b]
 *   diff A B [--run-a N] [--run-b N] [--json]        exit 0 when equal, 1 when different
 *   export --data-dir DIR (--id ID | --all) --out FOLDER [--format jsonl|har]
 *   import FILE… --data-dir DIR
 *   rerun FILE --target URL [--header 'name: value']… [--out FILE] [--json]
 *                                                    send the requests again, record, diff
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { diffRuns, type RecordingDiff } from '../shared/recording-format/diff.js';
import { allSessions, fileStemFor, importFile, sessionFile } from '../recording/export.js';
import { parseJsonl, toJsonl, type RecordingFile } from '../shared/recording-format/format.js';
import { toHar } from '../recording/har.js';
import { startReplayServer } from '../recording/replay-server.js';
import { rerunSession } from '../recording/rerun.js';
import { openStore } from '../store/index.js';

const USAGE = `Usage: responses-studio <command> [options]

Commands:
  gateway [flags]            Run the gateway (responses-studio gateway --help lists its flags).
  record [flags]             Run the gateway with --record on; add --data-dir DIR to keep recordings.
  replay FILE --port N       Serve a recording as a backend at recorded timing.
      [--host 127.0.0.1] [--speed instant|<factor>] [--ignore field,field]
  diff A B                   Compare two recordings (first run of each; --run-a/--run-b pick another).
      [--json]               Exit status 0 when equal, 1 when different.
  export --data-dir DIR (--id ID | --all) --out FOLDER [--format jsonl|har]
                             Write one file per recorded session.
  import FILE... --data-dir DIR
                             Add recording files to the store.
  rerun FILE --target URL    Send the recorded requests to URL (http or https), record the new runs,
      [--header 'name: value']…   print the diff. --header adds a request header (e.g. the
      [--out FILE] [--json]       target's 'authorization: Bearer KEY'); repeatable.

File format and match rules: docs/recording.md.
`;

class UsageError extends Error {}

const readFile = (file: string): RecordingFile => parseJsonl(fs.readFileSync(file, 'utf8'));

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

async function runGateway(args: string[]): Promise<number> {
  // cli/gateway.ts reads process.argv itself when imported.
  process.argv = [process.argv[0], process.argv[1], ...args];
  await import('./gateway.js');
  return new Promise<number>(() => undefined);
}

async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      speed: { type: 'string' },
      ignore: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('replay needs exactly one FILE');
  const speedRaw = values.speed ?? '1';
  const speed = speedRaw === 'instant' ? 'instant' : Number(speedRaw);
  if (speed !== 'instant' && !(speed > 0)) throw new UsageError(`--speed must be 'instant' or a positive number`);
  const server = await startReplayServer({
    file: readFile(positionals[0]),
    port: Number(values.port ?? 8080),
    host: values.host ?? '127.0.0.1',
    speed,
    ...(values.ignore === undefined ? {} : { ignore: values.ignore.split(',').filter(Boolean) }),
  });
  const closed = new Promise<void>((resolve) => {
    const stop = (): void => void server.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // Printed once the signals are handled: whoever reads this line may stop the server at once.
  out(`Replaying ${positionals[0]} on ${server.url} (speed ${String(speed)})`);
  await closed;
  return 0;
}

function formatDiff(diff: RecordingDiff): string {
  const lines = [`equal: ${diff.equal ? 'yes' : 'no'}`];
  if (diff.missing.length) lines.push(`missing in B: ${diff.missing.join(', ')}`);
  if (diff.extra.length) lines.push(`extra in B: ${diff.extra.join(', ')}`);
  if (diff.reordered.length) lines.push(`reordered: ${diff.reordered.join(', ')}`);
  for (const c of diff.response.slice(0, 50))
    lines.push(`response ${c.kind} ${c.path}: ${JSON.stringify(c.a) ?? '—'} → ${JSON.stringify(c.b) ?? '—'}`);
  const t = (v: number | null, unit: string): string => (v === null ? '—' : `${v.toFixed(1)} ${unit}`);
  lines.push(`time to first token: A ${t(diff.timing.a.ttftMs, 'ms')} / B ${t(diff.timing.b.ttftMs, 'ms')}`);
  lines.push(`tokens/s: A ${t(diff.timing.a.tokensPerSecond, '')} / B ${t(diff.timing.b.tokensPerSecond, '')}`);
  return lines.join('\n');
}

function diffCommand(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'run-a': { type: 'string' }, 'run-b': { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 2) throw new UsageError('diff needs two files');
  const pick = (file: string, index: string | undefined) => {
    const runs = readFile(file).runs;
    const run = runs[Number(index ?? 0)];
    if (!run) throw new UsageError(`${file} has no run ${index ?? 0}`);
    return run;
  };
  const diff = diffRuns(pick(positionals[0], values['run-a']), pick(positionals[1], values['run-b']));
  out(values.json ? JSON.stringify(diff, null, 2) : formatDiff(diff));
  return diff.equal ? 0 : 1;
}

async function exportCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      id: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      out: { type: 'string' },
      format: { type: 'string' },
    },
  });
  const dataDir = values['data-dir'];
  if (!dataDir || !values.out) throw new UsageError('export needs --data-dir and --out');
  if (!values.all && !values.id?.length) throw new UsageError('export needs --id ID or --all');
  const format = values.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'har') throw new UsageError('--format must be jsonl or har');
  const store = openStore({ dataDir, sweepIntervalMs: 0, recoverInterrupted: false });
  try {
    const outDir = path.resolve(values.out);
    fs.mkdirSync(outDir, { recursive: true });
    const ids = values.all ? await allSessions(store.recordings) : (values.id ?? []);
    const sessions = new Set<string>();
    const names = new Set<string>();
    for (const id of ids) {
      const file = await sessionFile(store.recordings, id);
      if (!file) throw new UsageError(`no recording or session '${id}' in ${dataDir}`);
      const session = file.sessionId ?? file.runs[0].id;
      if (sessions.has(session)) continue;
      sessions.add(session);
      // The name comes from a sanitized id; two ids that sanitize alike get distinct names.
      const stem = fileStemFor(session);
      let name = `${stem}.${format}`;
      for (let n = 2; names.has(name); n++) name = `${stem}-${n}.${format}`;
      names.add(name);
      const target = path.join(outDir, name);
      if (path.dirname(target) !== outDir) throw new Error(`refusing to write outside ${outDir}: ${target}`);
      fs.writeFileSync(target, format === 'har' ? JSON.stringify(toHar(file), null, 2) : toJsonl(file));
      out(target);
    }
  } finally {
    store.close();
  }
  return 0;
}

async function importCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' } },
  });
  if (!values['data-dir'] || positionals.length === 0) throw new UsageError('import needs FILE… and --data-dir');
  const store = openStore({ dataDir: values['data-dir'], sweepIntervalMs: 0, recoverInterrupted: false });
  try {
    for (const file of positionals) {
      const result = await importFile(store.recordings, readFile(file));
      for (const id of result.ids) out(`${id}\t${file}`);
      for (const id of result.duplicates) out(`${id}\t${file}\talready in the library`);
    }
  } finally {
    store.close();
  }
  return 0;
}

async function rerunCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      target: { type: 'string' },
      header: { type: 'string', multiple: true },
      out: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1 || !values.target) throw new UsageError('rerun needs FILE and --target URL');
  // The user's own command line may name any server (the gateway's rerun route only takes
  // configured targets); it still has to be an http(s) URL.
  let target: URL;
  try {
    target = new URL(values.target);
  } catch {
    throw new UsageError(`--target must be an http(s) URL, got '${values.target}'`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new UsageError(`--target must be an http(s) URL, got '${values.target}'`);
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header must be 'name: value', got '${h}'`);
    headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  const file = readFile(positionals[0]);
  const result = await rerunSession(file.runs, { baseUrl: target.href, headers });
  if (values.out) {
    fs.writeFileSync(
      values.out,
      toJsonl({
        sessionId: result.runs[0]?.sessionId ?? null,
        exportedAt: new Date().toISOString(),
        runs: result.runs,
      }),
    );
  }
  if (values.json) out(JSON.stringify(result.diffs, null, 2));
  else for (const d of result.diffs) out(`${d.recordedId} → ${d.rerunId}\n${formatDiff(d.diff)}\n`);
  return result.diffs.every((d) => d.diff.equal) ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...args] = argv;
  switch (verb) {
    case 'gateway':
      return runGateway(args);
    case 'record':
      return runGateway([...args, '--record', 'on']);
    case 'replay':
      return replayCommand(args);
    case 'diff':
      return diffCommand(args);
    case 'export':
      return exportCommand(args);
    case 'import':
      return importCommand(args);
    case 'rerun':
      return rerunCommand(args);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(USAGE);
      return 0;
    default:
      process.stderr.write(`unknown command '${verb}'\n${USAGE}`);
      return 2;
  }
}

const verbHelp = process.argv.slice(3).some((a) => a === '--help' || a === '-h');
if (verbHelp && !['gateway', 'record'].includes(process.argv[2] ?? '')) {
  out(USAGE);
} else {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
      process.stderr.write(
        `error: ${err instanceof Error ? err.message : String(err)}\n${usage ? 'Run responses-studio --help for usage.\n' : ''}`,
      );
      process.exitCode = usage ? 2 : 1;
    },
  );
}
