/**
 * Recording as the gateway uses it: the recorder (when `--record on`) and the recordings store
 * the REST routes serve. The store is the caller's (the desktop app shares its own) or opened
 * here under `--data-dir` (in memory without one) and then closed with the gateway.
 */
import type { GatewayConfig } from '../config/flags.js';
import type { RecordingStorage } from '../store/contract.js';
import { openStore } from '../store/index.js';
import { RecordingsStore } from '../store/recordings-store.js';
import { Recorder } from './recorder.js';
import { secretsFromConfig } from './redact.js';

export interface RecordingService {
  /** Null when `--record off`: the library is still served, nothing new is recorded. */
  readonly recorder: Recorder | null;
  readonly recordings: RecordingStorage;
  close(): void;
}

export interface RecordingServiceOptions {
  /** A store to use instead of opening one (the caller closes it): the gateway store's, of either engine. */
  recordings?: RecordingStorage;
  /** Where recorder failures go (the gateway logs them); they never affect the request. */
  onRecorderError?: (err: unknown, where: string) => void;
  /** Where failed background writes of a store opened here go (the gateway logs them). */
  onStoreError?: (err: unknown) => void;
}

/** Null when recording is off and no store was given (no library routes then). */
export function openRecordingService(
  config: GatewayConfig,
  options: RecordingServiceOptions = {},
): RecordingService | null {
  const on = config.record === 'on';
  if (!on && !options.recordings) return null;
  let close = (): void => undefined;
  let recordings: RecordingStorage | undefined = options.recordings;
  if (!recordings) {
    const store = openStore({
      dataDir: config.dataDir,
      inMemory: !config.dataDir,
      recordingsMaxBytes: config.recordingsMaxBytes,
      sweepIntervalMs: 0,
      ...(options.onStoreError ? { onError: options.onStoreError } : {}),
    });
    recordings = store.recordings;
    close = () => store.close();
  }
  // SQLite recording writes leave the main thread (a worker with its own connection; a no-op in
  // memory): SQLite commits there halved streaming throughput. PostgreSQL writes are asynchronous.
  if (on && recordings instanceof RecordingsStore) void recordings.useWriterThread();
  const recorder = on
    ? new Recorder({
        recordings,
        secrets: secretsFromConfig(config),
        maxDepth: config.maxRequestDepth,
        onError: options.onRecorderError,
      })
    : null;
  return { recorder, recordings, close };
}
