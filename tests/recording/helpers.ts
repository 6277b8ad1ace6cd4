/** Shared by the recording tests: a recording gateway on a temp data dir and waiting for finished runs. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { RecordingsStore, RecordingSummary } from '../../src-server/store/recordings-store.js';

/** Simulator pacing for tests: no waits. */
export const FAST = { 'x-simulator-ttft-ms': '0', 'x-simulator-token-ms': '0' };

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The recording of the request with this id, once it has finished. */
export async function finishedRecording(store: RecordingsStore, requestId: string): Promise<RecordingSummary> {
  let found: RecordingSummary | undefined;
  await expect
    .poll(() => {
      found = store.listRecordings({ search: requestId }).data.find((r) => r.requestId === requestId);
      return found?.status;
    })
    .toMatch(/^(completed|failed|incomplete|error)$/);
  return found as RecordingSummary;
}
