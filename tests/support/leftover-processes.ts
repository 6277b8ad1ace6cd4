/**
 * Vitest global setup (both configs): after the run, no process the suite started may remain.
 *
 * Which processes are this run's: setup puts a run id in the environment before any worker
 * starts, and every process a test spawns inherits it (spawn passes the environment on unless a
 * test replaces it). As a second net for tests that do replace it, a process whose command line
 * points into this checkout, that did not exist at setup and that runs below this process (or was
 * left to init by a parent that died) counts too. Never this process or its ancestors (npm, the
 * shell), never Vitest's own pool workers and esbuild service (children of this process, which
 * Vitest ends itself), never zombies (already dead), and never another run's processes: another
 * checkout has another path, another run another run id, and another run's Vitest itself (which
 * gets its id only after it started) runs below its own npm, not below this process.
 *
 * Processes that are still shutting down get a grace period; whatever is left after it fails
 * the run, listed with its command line. Processes that carry this run's id are then killed
 * (they are this run's own), so a failure does not leave them behind either.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const RUN_ENV = 'RESPONSES_STUDIO_TEST_RUN';
/** This checkout, with a trailing slash: `/work/wt/a/` must not match `/work/wt/a-copy/`. */
const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));
const GRACE_MS = 15_000;

export interface ProcessInfo {
  pid: number;
  ppid: number;
  state: string;
  cmdline: string;
  runId: string | null;
}

function read(path: string): string | null {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return null; // gone, or another user's
  }
}

function info(pid: number): ProcessInfo | null {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // `pid (comm) state ppid …`; comm may contain spaces and parentheses.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const environ = read(`/proc/${pid}/environ`) ?? '';
  const entry = environ.split('\0').find((e) => e.startsWith(`${RUN_ENV}=`));
  return {
    pid,
    ppid: Number(rest[1]),
    state: rest[0],
    cmdline: (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim(),
    runId: entry ? entry.slice(RUN_ENV.length + 1) : null,
  };
}

function allProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = info(Number(name));
    if (p) out.push(p);
  }
  return out;
}

/** Pids below `root` in `all` (children, their children…). */
function descendants(root: number, all: readonly ProcessInfo[]): Set<number> {
  const children = new Map<number, number[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const out = new Set<number>();
  for (const queue = [...(children.get(root) ?? [])]; queue.length > 0;) {
    const pid = queue.pop() as number;
    if (out.has(pid)) continue;
    out.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function ancestors(): Set<number> {
  const out = new Set<number>();
  for (let pid = process.pid; pid > 1 && !out.has(pid);) {
    out.add(pid);
    const p = info(pid);
    if (!p) break;
    pid = p.ppid;
  }
  return out;
}

let runId = '';
let before = new Set<number>();

export function setup(): void {
  if (process.platform !== 'linux') return;
  runId = randomUUID();
  process.env[RUN_ENV] = runId;
  before = new Set(allProcesses().map((p) => p.pid));
}

/** What a run knows when it looks for its leftovers. */
export interface RunView {
  runId: string;
  /** Pids that existed when the run started. */
  before: ReadonlySet<number>;
  /** This process (Vitest's own helpers, pool workers and the esbuild service, are its children). */
  pid: number;
  /** This process and its ancestors. */
  mine: ReadonlySet<number>;
  /** The processes below this one now. */
  below: ReadonlySet<number>;
  /** This checkout, with a trailing slash. */
  checkout: string;
}

/** Whether `p` is a process this run started that is still running (see the file comment). */
export function isLeftover(p: ProcessInfo, run: RunView): boolean {
  if (run.mine.has(p.pid) || p.state === 'Z') return false;
  if (p.ppid === run.pid && /node_modules\/(vitest|tinypool|@esbuild|esbuild)\//.test(p.cmdline)) return false;
  if (p.runId === run.runId) return true;
  // The second net: no run id at all (a test replaced the environment). A process with another
  // run's id belongs to a run of this checkout going on at the same time; so does a new process
  // of this checkout that runs neither below this one nor orphaned (another run's Vitest).
  return (
    p.runId === null &&
    !run.before.has(p.pid) &&
    p.cmdline.includes(run.checkout) &&
    (run.below.has(p.pid) || p.ppid === 1)
  );
}

function leftovers(): ProcessInfo[] {
  const all = allProcesses();
  const run: RunView = {
    runId,
    before,
    pid: process.pid,
    mine: ancestors(),
    below: descendants(process.pid, all),
    checkout: CHECKOUT,
  };
  return all.filter((p) => isLeftover(p, run));
}

export async function teardown(): Promise<void> {
  if (process.platform !== 'linux' || runId === '') return;
  const deadline = Date.now() + GRACE_MS;
  let left = leftovers();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    left = leftovers();
  }
  if (left.length === 0) return;
  for (const p of left) {
    if (p.runId !== runId) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  // An error thrown from a global teardown is printed but does not change Vitest's exit status.
  process.exitCode = 1;
  throw new Error(
    `${left.length} process(es) started by this test run were still running after it ended:\n` +
      left.map((p) => `  pid ${p.pid} (parent ${p.ppid}): ${p.cmdline.slice(0, 300)}`).join('\n'),
  );
}
