/**
 * The installable gateway (X10), as a user gets it: the package `npm pack` makes (the compiled
 * build of tsconfig.build.json, bin/, docs/, package.json's `files`), installed with production
 * dependencies only into an empty directory, then `npx responses-studio …` for the gateway and
 * every CLI verb. No tsx and no TypeScript in the installed tree: the compiled code runs as is.
 *
 * Staged in a temp folder (the build goes there, not into this checkout's dist/), so two suites on
 * one checkout do not race. better-sqlite3 is installed through its own install script; to keep
 * the test from compiling SQLite for ten minutes on a loaded machine, that script is offered this
 * checkout's already-built binary as a local prebuild (prebuild-install's documented
 * `local_prebuilds` setting) — the install still runs the script that allowScripts must permit.
 * The registry is the npm registry the machine is configured for (the only network here).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { processExists } from '../support/gateway-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = (await import('node:module')).createRequire(import.meta.url);
const NPM_TIMEOUT_MS = 25 * 60_000;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Run {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: NPM_TIMEOUT_MS, maxBuffer: 64 * 2 ** 20 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function ok(r: Run, what: string): Run {
  if (r.status !== 0) throw new Error(`${what} exited ${String(r.status)}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** A long-running verb started through npx; the line it prints gives its URL and (for the gateway) its pid. */
interface Served {
  child: ChildProcess;
  url: string;
  pid: number | null;
  out: () => string;
  exited: Promise<number | null>;
}

async function serve(app: string, args: string[], ready: RegExp): Promise<Served> {
  const child = spawn('npx', ['--no-install', 'responses-studio', ...args], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  let done = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      done = true;
      resolve(code);
    }),
  );
  for (;;) {
    const m = ready.exec(out);
    if (m) return { child, url: m[1], pid: m[2] ? Number(m[2]) : null, out: () => out, exited };
    if (done) throw new Error(`npx responses-studio ${args.join(' ')} exited before it was ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Ends a served verb and returns npx's exit status: SIGTERM to the process that serves (the pid it
 * printed) or, without one, to the whole group (npx and what it runs).
 */
async function stop(s: Served): Promise<number | null> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return s.exited;
  try {
    if (s.pid !== null) process.kill(s.pid, 'SIGTERM');
    else if (s.child.pid !== undefined) process.kill(-s.child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  return s.exited;
}

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+) \(pid (\d+)\)/;

describe('the packed gateway installed with production dependencies only', { tags: ['X10'] }, () => {
  let tmp: string;
  let app: string;
  const served: Served[] = [];

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-package-'));
    // 1. Stage the package: package.json, bin/, README, docs/ and a fresh compiled build.
    const stage = path.join(tmp, 'stage');
    fs.mkdirSync(stage);
    for (const entry of ['package.json', 'README.md', 'bin', 'docs'])
      fs.cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
    const tsc = require.resolve('typescript/bin/tsc');
    ok(
      run(
        process.execPath,
        [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', path.join(stage, 'dist')],
        root,
      ),
      'tsc -p tsconfig.build.json',
    );
    // 2. npm pack: the `files` field decides what goes in (prepack already ran above, by hand).
    const packed = ok(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], stage), 'npm pack');
    const [{ filename }] = JSON.parse(packed.stdout) as { filename: string }[];
    // 3. An empty project that allows better-sqlite3's install script, and nothing else.
    app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'gateway-host', private: true, allowScripts: { 'better-sqlite3': true } }),
    );
    const sqlite = path.dirname(require.resolve('better-sqlite3/package.json'));
    const { version } = JSON.parse(fs.readFileSync(path.join(sqlite, 'package.json'), 'utf8')) as { version: string };
    const prebuilds = path.join(tmp, 'prebuilds');
    fs.mkdirSync(prebuilds);
    const tarball = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
    ok(
      run('tar', ['-czf', path.join(prebuilds, tarball), '-C', sqlite, 'build/Release/better_sqlite3.node'], root),
      'tar',
    );
    ok(
      run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', path.join(tmp, filename)], app, {
        ...process.env,
        npm_config_better_sqlite3_local_prebuilds: prebuilds,
      }),
      'npm install --omit=dev',
    );
  }, NPM_TIMEOUT_MS);

  afterAll(async () => {
    for (const s of served) await stop(s);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('installs compiled JavaScript only: no tsx, no TypeScript sources, no dev dependencies', () => {
    const installed = path.join(app, 'node_modules', 'responses-studio');
    expect(fs.existsSync(path.join(installed, 'dist', 'cli', 'gateway.js'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'src-server'))).toBe(false);
    expect(fs.existsSync(path.join(installed, 'docs', 'troubleshooting.md'))).toBe(true);
    for (const dev of ['tsx', 'typescript', 'vitest', 'openai', 'electron'])
      expect(fs.existsSync(path.join(app, 'node_modules', dev)), dev).toBe(false);
    const ts = (fs.readdirSync(path.join(installed, 'dist'), { recursive: true }) as string[]).filter((f) =>
      f.endsWith('.ts'),
    );
    expect(ts).toEqual([]);
  });

  test(
    'npx responses-studio gateway --backend simulator serves, in its own process, and every verb runs',
    { timeout: 10 * 60_000 },
    async () => {
      expect(ok(run('npx', ['--no-install', 'responses-studio', '--help'], app), '--help').stdout).toContain(
        'Usage: responses-studio',
      );
      expect(
        ok(run('npx', ['--no-install', 'responses-studio', 'gateway', '--help'], app), 'gateway --help').stdout,
      ).toContain('--backend');

      // gateway: answers a create and a stream; the pid it names is the process that runs bin/ (no wrapper).
      const gateway = await serve(
        app,
        ['gateway', '--backend', 'simulator', '--port', '0', '--log-level', 'warn'],
        LISTENING,
      );
      served.push(gateway);
      const cmdline = fs.readFileSync(`/proc/${gateway.pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline[1]).toMatch(/responses-studio/);
      expect(cmdline.join(' ')).not.toMatch(/tsx/);
      const created = await fetch(`${gateway.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-chat', input: 'Say hello' }),
      });
      expect(created.status).toBe(200);
      expect(((await created.json()) as { status: string }).status).toBe('completed');

      // record: a recording gateway with a data dir; one streamed run; SIGTERM closes it cleanly.
      const data = path.join(tmp, 'data');
      const recorder = await serve(
        app,
        ['record', '--backend', 'simulator', '--port', '0', '--log-level', 'warn', '--data-dir', data],
        LISTENING,
      );
      served.push(recorder);
      const streamed = await fetch(`${recorder.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-chat', input: 'Say hello', stream: true }),
      });
      expect(await streamed.text()).toContain('response.completed');
      expect(await stop(recorder)).toBe(0);
      expect(processExists(recorder.pid ?? -1)).toBe(false);

      // export, import, diff, replay, rerun on that recording.
      const out = path.join(tmp, 'exported');
      ok(
        run('npx', ['--no-install', 'responses-studio', 'export', '--data-dir', data, '--all', '--out', out], app),
        'export',
      );
      const [file] = fs.readdirSync(out).map((f) => path.join(out, f));
      expect(file).toMatch(/\.jsonl$/);
      ok(
        run('npx', ['--no-install', 'responses-studio', 'import', file, '--data-dir', path.join(tmp, 'imported')], app),
        'import',
      );
      expect(ok(run('npx', ['--no-install', 'responses-studio', 'diff', file, file], app), 'diff').stdout).toContain(
        'equal: yes',
      );
      const replay = await serve(
        app,
        ['replay', file, '--port', '0', '--speed', 'instant'],
        /on (http:\/\/127\.0\.0\.1:\d+)/,
      );
      served.push(replay);
      expect((await fetch(`${replay.url}/v1/models`)).status).toBeLessThan(500);
      await stop(replay);
      const rerun = run(
        'npx',
        ['--no-install', 'responses-studio', 'rerun', file, '--target', gateway.url, '--json'],
        app,
      );
      // 0: the same events; 1: a difference (the diff is printed either way); anything else is a failure.
      expect([0, 1], rerun.stderr).toContain(rerun.status);
      expect(JSON.parse(rerun.stdout)).toBeTypeOf('object');

      expect(await stop(gateway)).toBe(0);
      expect(processExists(gateway.pid ?? -1)).toBe(false);
    },
  );
});
