/**
 * A real gateway process, started the way users start it (`bin/responses-studio.js`, which runs
 * the CLI in its own process: no wrapper child). The start-up line gives the URL and the pid of
 * the process that serves it; the helper checks that this is the process it spawned, so a kill
 * lands on the gateway itself.
 *
 * An uncaught exception is a bug the tests must see, never a state to restart from: `stop()`
 * fails when the process logged one (cli/fatal.ts), exited by itself, or did not close cleanly on
 * SIGTERM; `kill()` fails unless the process is gone afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FATAL_MESSAGE } from '../../src-server/cli/fatal.js';

export const BIN = fileURLToPath(new URL('../../bin/responses-studio.js', import.meta.url));

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  /** The pid the gateway reported: the process that owns the data dir. */
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Stderr lines that report an uncaught exception or unhandled rejection. */
  fatalLines(): string[];
  /** True while the gateway's process exists (signal 0). */
  alive(): boolean;
  /**
   * SIGTERM and wait for the exit; throws unless the gateway closed cleanly (status 0), was
   * still running when asked, and logged no uncaught exception.
   */
  stop(): Promise<void>;
  /** SIGKILL and wait; throws unless the process is gone afterwards. */
  kill(): Promise<void>;
}

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+) \(pid (\d+)\)/;

/** True when a process with this pid exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Starts `responses-studio <verb> --port 0 …args` and waits for its start-up line; `nodeFlags` go
 * to Node before the script (a `--import` probe, say).
 */
export async function startGatewayProcess(
  args: string[],
  verb = 'gateway',
  nodeFlags: string[] = [],
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [...nodeFlags, BIN, verb, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  for (;;) {
    const match = LISTENING.exec(out);
    if (match) {
      const pid = Number(match[2]);
      if (pid !== child.pid) {
        child.kill('SIGKILL');
        throw new Error(`the gateway runs in pid ${pid}, not in the spawned process ${String(child.pid)}`);
      }
      return handle(
        child,
        match[1],
        pid,
        exited,
        () => out,
        () => err,
        () => exitedEarly,
      );
    }
    if (exitedEarly) throw new Error(`the gateway exited before listening:\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function handle(
  child: ChildProcess,
  url: string,
  pid: number,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  stdout: () => string,
  stderr: () => string,
  exitedEarly: () => boolean,
): GatewayProcess {
  const fatalLines = (): string[] =>
    stderr()
      .split('\n')
      .filter(
        (l) => l.includes(FATAL_MESSAGE) || /Uncaught|UnhandledPromiseRejection|triggerUncaughtException/.test(l),
      );
  return {
    child,
    url,
    pid,
    stdout,
    stderr,
    fatalLines,
    alive: () => processExists(pid),
    async stop() {
      if (exitedEarly()) {
        const { code, signal } = await exited;
        throw new Error(`the gateway had exited by itself (code ${code}, signal ${signal}):\n${stderr()}`);
      }
      child.kill('SIGTERM');
      const { code, signal } = await exited;
      const fatal = fatalLines();
      if (fatal.length > 0) throw new Error(`the gateway logged an uncaught exception:\n${fatal.join('\n')}`);
      if (code !== 0)
        throw new Error(`the gateway did not close cleanly (code ${code}, signal ${signal}):\n${stderr()}`);
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
      if (processExists(pid)) throw new Error(`pid ${pid} is still running after SIGKILL`);
    },
  };
}
