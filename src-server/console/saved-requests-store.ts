/**
 * Where saved requests are kept: `saved-requests.json` in the data folder (written atomically,
 * readable by the owner only), or memory when the console runs without a data folder.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { emptySavedRequests, parseSavedRequests, type SavedRequestsDoc } from '../shared/saved-requests.js';

export interface SavedRequestsStore {
  /** Kept across restarts. */
  readonly persistent: boolean;
  read(): Promise<SavedRequestsDoc>;
  /** The document must already be checked (parseSavedRequests). */
  write(doc: SavedRequestsDoc): Promise<void>;
}

export const SAVED_REQUESTS_FILE = 'saved-requests.json';

export function memorySavedRequests(): SavedRequestsStore {
  let doc = emptySavedRequests();
  return {
    persistent: false,
    read: () => Promise.resolve(structuredClone(doc)),
    write(next) {
      doc = structuredClone(next);
      return Promise.resolve();
    },
  };
}

export function fileSavedRequests(dataDir: string): SavedRequestsStore {
  const path = join(dataDir, SAVED_REQUESTS_FILE);
  // Writes one after the other: two saves racing on the temp file would lose one.
  let queue: Promise<void> = Promise.resolve();
  return {
    persistent: true,
    async read() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptySavedRequests();
        throw e;
      }
      return parseSavedRequests(JSON.parse(text) as unknown);
    },
    write(doc) {
      const next = queue.then(async () => {
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        const tmp = `${path}.${process.pid}.tmp`;
        await writeFile(tmp, JSON.stringify(doc, null, 2), { mode: 0o600 });
        await rename(tmp, path);
      });
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
