/**
 * Recording as the gateway uses it: the recorder (when `--record on`) and the recordings store
 * the REST routes serve. The store is the caller's (the gateway store's, of either engine, or the
 * library the desktop app shares across profile gateways), so the caller closes it.
 */
import type { GatewayConfig } from '../config/flags.js';
import type { RecordingStorage } from '../store/contract.js';
import { Recorder } from './recorder.js';
import { secretsFromConfig } from './redact.js';

export interface RecordingService {
  /** Null when `--record off`: the library is still served, nothing new is recorded. */
  readonly recorder: Recorder | null;
  readonly recordings: RecordingStorage;
}

/**
 * `onRecorderError`: where recorder failures go (the gateway logs them); they never affect the
 * request.
 */
export function openRecordingService(
  config: GatewayConfig,
  recordings: RecordingStorage,
  onRecorderError: (err: unknown, where: string) => void,
): RecordingService {
  const on = config.record === 'on';
  // SQLite recording writes leave the main thread (a worker with its own connection; a no-op in
  // memory): SQLite commits there halved streaming throughput. PostgreSQL writes are asynchronous.
  if (on) void recordings.useWriterThread?.();
  const recorder = on
    ? new Recorder({
        recordings,
        secrets: secretsFromConfig(config),
        maxDepth: config.maxRequestDepth,
        onError: onRecorderError,
      })
    : null;
  return { recorder, recordings };
}
