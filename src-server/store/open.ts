/**
 * Picks the store engine from the flags: `--store sqlite:PATH` or `postgres://…`, else SQLite in
 * `--data-dir` (in memory without one), the embedded default.
 */
import type { GatewayConfig } from '../config/flags.js';
import type { GatewayStore } from './contract.js';
import { openStore, type StoreOptions } from './index.js';
import { sqliteGatewayStore } from './sqlite-storage.js';

export interface OpenGatewayStoreOptions {
  instanceId: string;
  onError: (err: unknown) => void;
  onLeaseExpired?: (ids: string[]) => void;
}

export type StoreSelection = { kind: 'sqlite'; dataDir: string | undefined } | { kind: 'postgres'; url: string };

/** What `--store` (and `--data-dir`) select; a FlagError-style Error for anything else. */
export function selectStore(config: Pick<GatewayConfig, 'store' | 'dataDir'>): StoreSelection {
  const spec = config.store?.trim();
  if (!spec) return { kind: 'sqlite', dataDir: config.dataDir };
  if (spec.startsWith('sqlite:')) {
    const dir = spec.slice('sqlite:'.length);
    if (!dir) throw new Error('--store sqlite:PATH needs a folder, e.g. --store sqlite:./data');
    return { kind: 'sqlite', dataDir: dir };
  }
  if (/^postgres(ql)?:\/\//.test(spec)) return { kind: 'postgres', url: spec };
  throw new Error("--store must be 'sqlite:PATH' or a 'postgres://host:port/db' URL");
}

function sqliteOptions(
  config: GatewayConfig,
  dataDir: string | undefined,
  onError: (e: unknown) => void,
): StoreOptions {
  return {
    dataDir,
    inMemory: dataDir === undefined,
    ttlSeconds: config.storeTtlSeconds,
    maxItems: config.storeMaxItems,
    maxBytes: config.storeMaxBytes,
    recordingsMaxBytes: config.recordingsMaxBytes,
    onError,
  };
}

export async function openGatewayStore(config: GatewayConfig, options: OpenGatewayStoreOptions): Promise<GatewayStore> {
  const selection = selectStore(config);
  if (selection.kind === 'sqlite')
    return sqliteGatewayStore(openStore(sqliteOptions(config, selection.dataDir, options.onError)));
  // Loaded only for a PostgreSQL store: the embedded default never pays for pg (about 3 MB of heap,
  // 15 MB resident and 40 ms of start-up).
  const { openPostgresStore, redactedLocation } = await import('./postgres/index.js');
  try {
    return await openPostgresStore({
      url: selection.url,
      instanceId: options.instanceId,
      leaseMs: config.instanceLeaseSeconds * 1000,
      timeoutMs: config.storeTimeoutSeconds * 1000,
      ttlSeconds: config.storeTtlSeconds,
      maxItems: config.storeMaxItems,
      maxBytes: config.storeMaxBytes,
      recordingsMaxBytes: config.recordingsMaxBytes,
      onError: options.onError,
      onLeaseExpired: options.onLeaseExpired,
    });
  } catch (err) {
    // The URL without credentials; pg's messages never carry the password.
    const why = (err as { code?: string }).code ?? (err as Error).message;
    throw new Error(`Cannot open the response store at ${redactedLocation(selection.url)}: ${why}`);
  }
}
