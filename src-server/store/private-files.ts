/**
 * The data directory holds prompts, plaintext reasoning and the reasoning key: only the user who
 * runs the gateway may read it. The folder is created 0700, and the database (with its `-wal` and
 * `-shm` files, which SQLite creates with the database file's mode) and the key file are 0600,
 * also when an earlier version left them readable by others. Best effort where the OS has no
 * POSIX modes (Windows) or the file belongs to someone else.
 */
import fs from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the folder (and missing parents) 0700; an existing folder is left as it is. */
export function makePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Narrows an existing file to 0600; a missing one is fine. */
export function restrictFile(file: string): void {
  try {
    fs.chmodSync(file, PRIVATE_FILE_MODE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!['ENOENT', 'EPERM', 'EACCES', 'EROFS', 'ENOTSUP'].includes(code ?? '')) throw err;
  }
}

/** Creates the file empty with mode 0600 if it is missing (so SQLite never creates it 0644), then narrows it. */
export function ensurePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE));
  restrictFile(file);
}
