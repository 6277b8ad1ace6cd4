/**
 * Server processes under test. The simulator and the gateway each run in their own Node process
 * so the load generator's CPU is not charged to them, and so RSS is the gateway's alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** Resident set size in bytes, from /proc/<pid>/status (VmRSS). */
  rss(): number;
  /**
   * Live JS heap after a full GC, in bytes: SIGUSR2 to an entry started with `--expose-gc` that
   * answers with a `{"heap": …}` line (bench/servers/gateway-process.ts does).
   */
  heapAfterGc(): Promise<HeapProbe>;
  /** SIGTERM and wait for exit (the entry scripts close their servers and exit). */
  stop(): Promise<void>;
}

export interface HeapProbe {
  heapUsed: number;
  heapTotal: number;
  /** Memory outside the JS heap held by JS objects (Buffers, ArrayBuffers), after the same GC. */
  external: number;
  arrayBuffers: number;
}

export interface SpawnOptions {
  /** Extra Node flags for the child, e.g. ['--cpu-prof', '--cpu-prof-dir=…']. */
  nodeFlags?: string[];
  /** Variables added to the child's environment. */
  env?: Record<string, string>;
  timeoutMs?: number;
}

const serversDir = fileURLToPath(new URL('../servers/', import.meta.url));

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

/**
 * CPU time the process has used so far (user + system), in microseconds, from /proc/<pid>/stat
 * (fields 14 and 15, in USER_HZ ticks: 10 ms resolution, fine over a window of seconds).
 */
export function cpuMicrosOf(pid: number): number {
  return cpuMicrosFrom(`/proc/${pid}/stat`);
}

/** The same for the process's main thread alone (its JavaScript event loop), without helper threads. */
export function mainThreadCpuMicrosOf(pid: number): number {
  return cpuMicrosFrom(`/proc/${pid}/task/${pid}/stat`);
}

/**
 * The main thread's CPU time so far split into user and kernel time, µs: a CPU profile's samples
 * inside a system call (`writev`) count wall-clock time, descheduled time included; this does not.
 */
export function mainThreadCpuSplitOf(pid: number): CpuSplit {
  return cpuSplitFrom(`/proc/${pid}/task/${pid}/stat`);
}

export interface CpuSplit {
  user: number;
  system: number;
}

/** A process's CPU time so far, µs: all its threads, and its main thread alone. */
export function cpuTimesOf(pid: number): { all: number; main: number } {
  return { all: cpuMicrosOf(pid), main: mainThreadCpuMicrosOf(pid) };
}

export interface CpuSpent<T> {
  result: T;
  /** CPU the process used while the work ran (all threads), in microseconds. */
  micros: number;
  /** The part its main thread used. */
  mainMicros: number;
}

/** Runs `work` (a load against the process) and reports the process's CPU time meanwhile. */
export async function cpuWhile<T>(pid: number, work: () => Promise<T>): Promise<CpuSpent<T>> {
  const before = cpuTimesOf(pid);
  const result = await work();
  const after = cpuTimesOf(pid);
  return { result, micros: after.all - before.all, mainMicros: after.main - before.main };
}

function cpuMicrosFrom(statFile: string): number {
  const { user, system } = cpuSplitFrom(statFile);
  return user + system;
}

function cpuSplitFrom(statFile: string): CpuSplit {
  const split = parseStatTimes(readFileSync(statFile, 'utf8'));
  if (!split) throw new Error(`no CPU times in ${statFile}`);
  return split;
}

/**
 * CPU time of a process's threads so far, µs, from `/proc/<pid>/task/<tid>/schedstat` (the time
 * each thread has run, in nanoseconds): precise over windows of a few hundred milliseconds, where
 * the `stat` files' 10 ms ticks are not. `main` is the main thread (the JavaScript event loop),
 * `all` every thread (V8's garbage-collector and compiler threads included). A thread that ended
 * between two readings drops out of `all`; V8's and libuv's threads live as long as the process.
 */
export function runtimeMicrosOf(pid: number): { main: number; all: number } {
  let main = 0;
  let all = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let times: SchedTimes | null;
    try {
      times = readSchedstat(pid, tid);
    } catch {
      continue; // The thread ended since the directory was read.
    }
    if (times === null) continue;
    all += times.ranNs / 1000;
    if (tid === String(pid)) main = times.ranNs / 1000;
  }
  return { main, all };
}

/**
 * How long a process's main thread has so far been ready to run but waited for a core, µs (the
 * kernel's run-queue wait, `schedstat`'s second field): on a machine with fewer cores than busy
 * threads, what the others took from it. One file read, so it can be taken during a measurement.
 */
export function mainThreadWaitedMicrosOf(pid: number): number {
  const times = readSchedstat(pid, pid);
  if (!times) throw new Error(`no run-queue wait in /proc/${pid}/task/${pid}/schedstat`);
  return times.waitedNs / 1000;
}

/** One thread's `schedstat` file, read and parsed; throws if the thread is gone. */
function readSchedstat(pid: number, tid: number | string): SchedTimes | null {
  return parseSchedstat(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8'));
}

/** One thread's `schedstat`: time run and time spent waiting for a core, ns. */
export interface SchedTimes {
  ranNs: number;
  waitedNs: number;
}

/** The time run and the run-queue wait (first two fields) of a `schedstat` line; null if it has none. */
export function parseSchedstat(line: string): SchedTimes | null {
  const [ran, waited] = line.trim().split(' ');
  const ranNs = Number(ran);
  const waitedNs = Number(waited);
  if (!ran || !waited || !Number.isFinite(ranNs) || !Number.isFinite(waitedNs)) return null;
  return { ranNs, waitedNs };
}

/** User and system time of one `/proc/…/stat` line (fields 14 and 15), µs; null if it has none. */
export function parseStatTimes(stat: string): CpuSplit | null {
  // The command name (field 2) may hold spaces and parentheses: the fields after it start past the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (fields.length < 13 || !Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return { user: (utime * 1_000_000) / USER_HZ, system: (stime * 1_000_000) / USER_HZ };
}

/**
 * Starts `bench/servers/<entry>` under `node --import tsx`; the entry prints one JSON line
 * `{"url": …}` on stdout once it listens.
 */
export function startServer(
  name: string,
  entry: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), '--import', 'tsx', `${serversDir}${entry}`, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => {
    // Keep only the tail: enough to explain a crash, bounded under load.
    stderr = (stderr + c).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${options.timeoutMs ?? 30_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    const early = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before listening (code ${String(code)}, signal ${String(signal)})\n${stderr}`));
    };
    child.once('exit', early);
    const lines = createInterface({ input: child.stdout! });
    const heapWaiters: ((probe: HeapProbe) => void)[] = [];
    lines.on('line', (line) => {
      let msg: { url?: unknown; heap?: HeapProbe };
      try {
        msg = JSON.parse(line) as { url?: unknown; heap?: HeapProbe };
      } catch {
        return;
      }
      if (msg.heap) heapWaiters.shift()?.(msg.heap);
      const url = msg.url;
      if (typeof url !== 'string') return;
      clearTimeout(timer);
      child.off('exit', early);
      child.once('exit', (code, signal) => {
        if (code !== 0 && signal !== 'SIGTERM')
          process.stderr.write(`${name} exited (code ${String(code)}, signal ${String(signal)})\n${stderr}\n`);
      });
      resolve(handle(name, url, child, exited, heapWaiters));
    });
  });
}

function handle(
  name: string,
  url: string,
  child: ChildProcess,
  exited: Promise<void>,
  heapWaiters: ((probe: HeapProbe) => void)[],
): ServerProcess {
  const pid = child.pid!;
  return {
    name,
    url,
    pid,
    rss: () => rssOf(pid),
    heapAfterGc: () =>
      new Promise<HeapProbe>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name} did not answer the heap probe (started without --expose-gc?)`)),
          10_000,
        );
        heapWaiters.push((probe) => {
          clearTimeout(timer);
          resolve(probe);
        });
        child.kill('SIGUSR2');
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak. */
export function sampleRss(proc: ServerProcess, everyMs = 100): { stop(): number } {
  let peak = proc.rss();
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, proc.rss());
    } catch {
      // The process may be stopping; the peak so far stands.
    }
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}
