/**
 * Children of the launcher that cannot outlive it. `npm start` runs the Electron binary (and its
 * build) as child processes; a child left running after the launcher died would keep the data dir
 * and the gateway's port. So:
 *
 * - the launcher's SIGINT / SIGTERM / SIGHUP are forwarded to the child, and the launcher exits
 *   with the child's status (`spawnTied`);
 * - the child also gets a lifeline: fd 3 is a pipe whose other end only the launcher holds. When
 *   the launcher dies in any way, SIGKILL included, the kernel closes its end and the child reads
 *   end-of-file there; a child that calls `watchLifeline` (the Electron main process does) then
 *   quits by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';

/** Environment variable naming the child's lifeline fd. */
export const LIFELINE_ENV = 'STUDIO_LIFELINE_FD';
const LIFELINE_FD = 3;
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface TiedOptions {
  cwd?: string;
}

/** Spawns `command` tied to this process (stdio inherited, signals forwarded, lifeline on fd 3). */
export function spawnTied(command: string, args: readonly string[], options: TiedOptions = {}): ChildProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env: { ...process.env, [LIFELINE_ENV]: String(LIFELINE_FD) },
  });
  const handlers = FORWARDED.map((signal) => {
    const forward = (): void => {
      child.kill(signal);
    };
    process.on(signal, forward);
    return [signal, forward] as const;
  });
  // Our end of the lifeline stays open (and unreferenced) for as long as this process lives.
  const lifeline = child.stdio[LIFELINE_FD] as Socket | null;
  lifeline?.on('error', () => undefined);
  lifeline?.unref();
  child.once('exit', () => {
    for (const [signal, forward] of handlers) process.off(signal, forward);
    lifeline?.destroy();
  });
  return child;
}

/**
 * In a child started by `spawnTied`: calls `onLost` once when the launcher is gone. Returns false
 * when this process has no lifeline (started some other way). The watch does not keep the
 * process alive by itself.
 */
export function watchLifeline(onLost: () => void): boolean {
  const fd = Number(process.env[LIFELINE_ENV]);
  if (!Number.isInteger(fd) || fd < 0) return false;
  // Not inherited further: a grandchild must not read the launcher's lifeline.
  delete process.env[LIFELINE_ENV];
  let lost = false;
  const lose = (): void => {
    if (lost) return;
    lost = true;
    onLost();
  };
  let socket: Socket;
  try {
    socket = new Socket({ fd, readable: true, writable: false });
  } catch {
    return false;
  }
  socket.on('end', lose);
  socket.on('close', lose);
  socket.on('error', lose);
  socket.resume();
  socket.unref();
  return true;
}
