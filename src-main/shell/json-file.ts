import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A small JSON object on disk, written atomically (temp file + rename). */
export function jsonFile<T extends object>(path: string, fallback: T) {
  return {
    async read(): Promise<T> {
      try {
        return JSON.parse(await readFile(path, 'utf8')) as T;
      } catch {
        return structuredClone(fallback);
      }
    },
    async write(data: T): Promise<void> {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(data, null, 2), { mode: 0o600 });
      await rename(tmp, path);
    },
  };
}
