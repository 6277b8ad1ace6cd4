/**
 * Web mode: the console and the gateway from one local web server. This is what `npm start`
 * runs where no Electron binary exists, and what the e2e tests drive. It is the same product as
 * the desktop app: the server hosts a gateway per connection profile (gateway-host.ts, as the
 * desktop main process does), keeps profile API keys server-side (a 0600 file in the data folder,
 * or memory), and keeps the library and saved requests in the data folder when it has one.
 */
import { join } from 'node:path';
import { createGateway, type Gateway } from '../../src-server/gateway.js';
import type { GatewayConfig } from '../../src-server/config/flags.js';
import { createLogger } from '../../src-server/logging/logger.js';
import { fileSavedRequests, memorySavedRequests } from '../../src-server/console/saved-requests-store.js';
import { createGatewayHost, type GatewayFactory } from '../shell/gateway-host.js';
import { createProfileGateways, fileKeyStore, memoryKeyStore, PROFILE_KEYS_FILE } from '../shell/profile-gateways.js';
import { buildConsole } from './build-console.js';
import { consoleGatewayConfig } from './console-config.js';

export interface WebModeOptions {
  /** Gateway flags (same as `responses-studio gateway`), plus the launcher's --in-memory / --verbose. */
  argv?: string[];
  config?: Partial<GatewayConfig>;
  /**
   * The data folder when argv names none (`npm start` passes the per-user XDG folder). Omitted:
   * everything stays in memory — tests never touch the user's folder.
   */
  dataDir?: string;
  buildQuiet?: boolean;
}

export interface WebModeServer extends Gateway {
  /** Where the library, saved requests and profile keys are kept (undefined: in memory). */
  dataDir: string | undefined;
  verbose: boolean;
}

export async function startWebMode(options: WebModeOptions = {}): Promise<WebModeServer> {
  const {
    config: parsed,
    explicit,
    launcher,
  } = consoleGatewayConfig(options.argv ?? [], {
    dataDir: options.dataDir,
  });
  const config = { ...parsed, ...options.config };
  // A free port unless the user asked for one: two consoles must not collide.
  if (!explicit.has('port') && options.config?.port === undefined) config.port = 0;
  const consoleDir = await buildConsole({ quiet: options.buildQuiet ?? !launcher.verbose });
  // Without --verbose the terminal shows errors only; every line still reaches the Gateway panel's
  // log tail at the configured level. An explicit --log-level is honoured on the terminal too.
  const terminal = launcher.verbose || explicit.has('logLevel') ? undefined : createLogger('error');
  let main: Gateway | null = null;
  const create: GatewayFactory = async (c, o) => {
    const g = await createGateway(c, { ...o, logger: terminal });
    main ??= g;
    return g;
  };
  const host = createGatewayHost(create, config, { mainOnConfiguredAddress: true });
  const dataDir = config.dataDir;
  const keys = dataDir ? fileKeyStore(join(dataDir, PROFILE_KEYS_FILE)) : memoryKeyStore();
  await host.startMain(consoleDir, {
    profiles: createProfileGateways(host, keys),
    savedRequests: dataDir ? fileSavedRequests(dataDir) : memorySavedRequests(),
    rateLimitEditing: true,
  });
  const gateway = main as unknown as Gateway;
  return { ...gateway, dataDir, verbose: launcher.verbose, close: () => host.closeAll() };
}

/** Null when the gateway's backend answers; else why not (for the start-up warning). */
export async function probeBackend(gateway: Gateway, timeoutMs = 3000): Promise<string | null> {
  try {
    await gateway.backend.listModels(AbortSignal.timeout(timeoutMs));
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
