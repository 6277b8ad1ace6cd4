#!/usr/bin/env node
/**
 * PostgreSQL, Redis and HAProxy for the multi-instance tests (docs/deploy.md, "Testing").
 *
 *   node scripts/test-services.mjs install   apt-get install the Debian packages when missing (as root;
 *                                            otherwise it only says what is missing)
 *   node scripts/test-services.mjs start     start a throwaway PostgreSQL and Redis on free local
 *                                            ports and print the environment the tests read:
 *                                            STUDIO_TEST_POSTGRES_URL, STUDIO_TEST_REDIS_URL, and
 *                                            STUDIO_TEST_SERVICES_DIR (what `stop` needs)
 *   node scripts/test-services.mjs stop DIR  stop the servers started in DIR and delete it
 *   node scripts/test-services.mjs watch DIR PID
 *                                            (started by `start` with an owner) stop the servers
 *                                            in DIR once process PID is gone: a test run that is
 *                                            killed never runs its teardown, and the servers run
 *                                            detached
 *
 * The Vitest global setup (tests/support/test-services.ts) calls start/stop itself when the
 * variables are not set, so `npm test` needs nothing more than the packages. Each run gets its own
 * data dir and ports: two suites running at once never share a server. PostgreSQL's server refuses
 * to run as root, so as root it runs as the `postgres` user (runuser), like Debian's own scripts.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import console from 'node:console';

const PACKAGES = ['postgresql', 'redis-server', 'haproxy'];

/** Directory of PostgreSQL's server binaries (initdb, pg_ctl), newest version first. */
export function postgresBin() {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(root, versions[0], 'bin') : null;
}

function onPath(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

export function missingPackages() {
  const missing = [];
  if (!postgresBin()) missing.push('postgresql');
  if (!onPath('redis-server')) missing.push('redis-server');
  if (!onPath('haproxy') && !fs.existsSync('/usr/sbin/haproxy')) missing.push('haproxy');
  return missing;
}

export function install() {
  const missing = missingPackages();
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    // Not root: nothing to install with. The rest of the suite still runs; the multi-instance
    // tests fail and say what is missing (tests/support/services.ts).
    console.warn(
      `Missing Debian packages: ${missing.join(', ')}. As root: apt-get update && apt-get install -y ${PACKAGES.join(' ')}`,
    );
    return;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...PACKAGES], { stdio: 'inherit', env });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The servers' environment: never this test run's id (they are services, stopped by `stop`). */
function serviceEnv() {
  const env = { ...process.env };
  delete env.RESPONSES_STUDIO_TEST_RUN;
  return env;
}

function asPostgres(command, args, options = {}) {
  const root = process.getuid?.() === 0;
  const file = root ? 'runuser' : command;
  const argv = root ? ['-u', 'postgres', '--', command, ...args] : args;
  return execFileSync(file, argv, {
    encoding: 'utf8',
    env: serviceEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
}

/**
 * Starts both servers; returns { dir, postgresUrl, redisUrl }. With `owner` (a pid), a detached
 * watcher stops them when that process ends without calling `stop` (killed). `parent` is where
 * their dir is made (default: the system's temporary folder; a test of a full disk gives its own
 * small tmpfs).
 */
export async function start(owner, { parent = os.tmpdir() } = {}) {
  const missing = missingPackages().filter((p) => p !== 'haproxy');
  if (missing.length > 0)
    throw new Error(
      `Missing Debian packages: ${missing.join(', ')} (run: node scripts/test-services.mjs install, as root).`,
    );
  const dir = fs.mkdtempSync(path.join(parent, 'studio-services-'));
  fs.chmodSync(dir, 0o755);
  const pgData = path.join(dir, 'pg');
  const bin = postgresBin();
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dir]);
  asPostgres(path.join(bin, 'initdb'), ['-D', pgData, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const pgPort = await freePort();
  startPostgres(dir, pgPort);
  const redisPort = await freePort();
  await startRedis(dir, redisPort);
  if (owner !== undefined) {
    // With the owner's environment: its test run id tells another run of this checkout that the
    // watcher is not its own (tests/support/leftover-processes.ts); the owner's run waits for it
    // to end after `stop`.
    const watcher = spawn(process.execPath, [fileURLToPath(import.meta.url), 'watch', dir, String(owner)], {
      detached: true,
      stdio: 'ignore',
    });
    watcher.unref();
  }
  return {
    dir,
    postgresUrl: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
  };
}

/** Starts (or starts again, after `killRedis`) the Redis server of `dir` on `port`. */
export async function startRedis(dir, port) {
  const redisDir = path.join(dir, 'redis');
  fs.mkdirSync(redisDir, { recursive: true });
  const pidFile = path.join(dir, 'redis.pid');
  fs.rmSync(pidFile, { force: true });
  execFileSync(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      '--dir',
      redisDir,
      '--pidfile',
      pidFile,
      '--logfile',
      path.join(dir, 'redis.log'),
    ],
    { env: serviceEnv(), stdio: 'ignore' },
  );
  // The daemonized server writes its pid file after the command returns; `stop` needs it.
  const written = () => fs.existsSync(pidFile) && Number(fs.readFileSync(pidFile, 'utf8').trim()) > 0;
  for (let waited = 0; !written(); waited += 20) {
    if (waited > 30_000) throw new Error(`redis-server did not write ${pidFile} within 30 s`);
    await sleep(20);
  }
}

/** The pid of the Redis server of `dir` (from its pid file), or null. */
export function redisPid(dir) {
  const pidFile = path.join(dir, 'redis.pid');
  if (!fs.existsSync(pidFile)) return null;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  return pid > 0 ? pid : null;
}

/** Kills the Redis server of `dir` (SIGKILL) and waits until it is gone. */
export async function killRedis(dir) {
  const pid = redisPid(dir);
  if (pid === null) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  // Dead once it is a zombie: whoever adopted the daemon reaps it in its own time.
  const zombie = () => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
    } catch {
      return true;
    }
  };
  while (alive(pid) && !zombie()) await sleep(10);
}

/** Stops the PostgreSQL server of `dir` (`pg_ctl stop -m MODE`, waiting for it). */
export function stopPostgres(dir, mode = 'fast') {
  asPostgres(path.join(postgresBin(), 'pg_ctl'), ['-D', path.join(dir, 'pg'), '-m', mode, '-w', 'stop']);
}

/** Starts the stopped PostgreSQL server of `dir` again, with the options of its first start. */
export function restartPostgres(dir) {
  // `restart` of a stopped server starts it with the command line saved in postmaster.opts.
  pgCtlWait(dir, 'restart');
}

/** `pg_ctl` on the cluster of `dir`, logging to its pg.log and waiting up to 120 s. */
function pgCtlWait(dir, ...args) {
  asPostgres(path.join(postgresBin(), 'pg_ctl'), [
    '-D',
    path.join(dir, 'pg'),
    '-l',
    path.join(dir, 'pg.log'),
    '-w',
    '-t',
    '120',
    ...args,
  ]);
}

/** The postmaster of `dir` and its children (from postmaster.pid and /proc), or [] when stopped. */
export function postgresPids(dir) {
  const pidFile = path.join(dir, 'pg', 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return [];
  const postmaster = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!(postmaster > 0) || !alive(postmaster)) return [];
  const children = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name (which may hold spaces): state, ppid, …
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) children.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return [postmaster, ...children];
}

/** Starts the PostgreSQL of a dir made by `start` on its port (again, after it stopped). */
export function startPostgres(dir, port) {
  pgCtlWait(
    dir,
    '-o',
    // A throwaway cluster: no fsync, sockets in its own dir, loopback TCP only.
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`,
    'start',
  );
}

/** True while the PostgreSQL of a dir made by `start` runs. */
export function postgresRunning(dir) {
  try {
    asPostgres(path.join(postgresBin(), 'pg_ctl'), ['-D', path.join(dir, 'pg'), 'status']);
    return true;
  } catch {
    return false;
  }
}

export function stop(dir) {
  if (!dir || !fs.existsSync(dir)) return;
  // A server an outage test froze (SIGSTOP) would never act on the signals that stop it.
  for (const pid of [...postgresPids(dir), redisPid(dir) ?? 0]) {
    try {
      if (pid > 0) process.kill(pid, 'SIGCONT');
    } catch {
      // Gone.
    }
  }
  const bin = postgresBin();
  const pgData = path.join(dir, 'pg');
  if (bin && fs.existsSync(path.join(pgData, 'postmaster.pid'))) {
    try {
      asPostgres(path.join(bin, 'pg_ctl'), ['-D', pgData, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already stopped.
    }
  }
  const pidFile = path.join(dir, 'redis.pid');
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    try {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 200; i++) {
        process.kill(pid, 0);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
      }
    } catch {
      // Gone.
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Waits for `owner` to end, then stops the servers in `dir`; ends at once when `dir` is gone (stopped). */
async function watch(dir, owner) {
  while (fs.existsSync(dir) && alive(owner)) await sleep(500);
  stop(dir);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [verb, arg] = process.argv.slice(2);
  if (verb === 'install') install();
  else if (verb === 'start') {
    const s = await start();
    console.log(`export STUDIO_TEST_POSTGRES_URL=${s.postgresUrl}`);
    console.log(`export STUDIO_TEST_REDIS_URL=${s.redisUrl}`);
    console.log(`export STUDIO_TEST_SERVICES_DIR=${s.dir}`);
  } else if (verb === 'stop') stop(arg);
  else if (verb === 'watch') await watch(arg, Number(process.argv[4]));
  else {
    console.error('usage: node scripts/test-services.mjs install | start | stop DIR | watch DIR PID');
    process.exit(2);
  }
}
