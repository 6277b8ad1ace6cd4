/**
 * Gateways hosted in the main process: the built-in one (simulator, serving the console) and,
 * on request, one per backend profile. Each listens on a free loopback port. Starting a profile
 * twice reuses its gateway; nothing the user did not ask for is restarted.
 *
 * The console is served by the built-in gateway and also calls the profile gateways on their own
 * ports, so every profile gateway gets the console's origin as a console origin
 * (`consoleOrigins`) and the same per-launch console secret (`consoleSecret`, docs/headers.md):
 * their console and library routes answer that page and nothing else. The built-in gateway
 * re-runs recordings against the profile gateways by profile id (docs/recording.md).
 */
import type { GatewayConfig } from '../../src-server/config/flags.js';
import type { RerunTargetResolver } from '../../src-server/recording/rerun.js';
import type { ConsoleServices } from '../../src-server/console/services.js';
import type { RecordingStorage } from '../../src-server/store/contract.js';
import type { BackendGatewayRequest } from '../shared/studio-api.js';

export interface HostedGateway {
  url: string;
  port: number;
  /** The gateway's recordings library, shared with the profile gateways. */
  recording?: { recordings: RecordingStorage } | null;
  close(): Promise<void>;
}

export type GatewayFactory = (
  config: GatewayConfig,
  options: {
    consoleDir?: string;
    recordings?: RecordingStorage;
    rerunTargets?: RerunTargetResolver;
    console?: ConsoleServices;
  },
) => Promise<HostedGateway>;

export interface GatewayHost {
  /** The gateway serving the console, with what the host offers it (profiles, saved requests…). */
  startMain(consoleDir: string, console?: ConsoleServices): Promise<HostedGateway>;
  main(): HostedGateway;
  startForBackend(request: BackendGatewayRequest, apiKey: string | null): Promise<HostedGateway>;
  closeAll(): Promise<void>;
}

export interface GatewayHostOptions {
  /**
   * The console's gateway listens where the config says (web mode honours --host / --port); by
   * default it takes a free loopback port (the desktop window).
   */
  mainOnConfiguredAddress?: boolean;
}

export function createGatewayHost(
  create: GatewayFactory,
  baseConfig: GatewayConfig,
  options: GatewayHostOptions = {},
): GatewayHost {
  let mainGateway: HostedGateway | null = null;
  const byProfile = new Map<string, { key: string; gateway: Promise<HostedGateway> }>();
  const loopback = { host: '127.0.0.1', port: 0 };
  // Re-run targets of the built-in gateway: the profiles whose gateway runs (or is starting).
  const rerunTargets: RerunTargetResolver = {
    ids: () => [...byProfile.keys()],
    async resolve(id) {
      const entry = byProfile.get(id);
      if (!entry) return null;
      const gateway = await entry.gateway.catch(() => null);
      // Profile gateways record into the built-in gateway's library: the re-run's runs are kept there.
      return gateway ? { baseUrl: gateway.url, recordsHere: gateway.recording != null } : null;
    },
  };
  return {
    async startMain(consoleDir, console) {
      const address = options.mainOnConfiguredAddress ? {} : loopback;
      mainGateway ??= await create({ ...baseConfig, ...address }, { consoleDir, console, rerunTargets });
      return mainGateway;
    },
    main() {
      if (!mainGateway) throw new Error('the built-in gateway is not started');
      return mainGateway;
    },
    async startForBackend(request, apiKey) {
      let url: URL;
      try {
        url = new URL(request.backendUrl);
      } catch {
        throw new Error(`not a URL: '${request.backendUrl}'`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new Error(`backend URL must be http(s): '${request.backendUrl}'`);
      const key = JSON.stringify([request.backendUrl, request.backendKind, apiKey ?? '']);
      const existing = byProfile.get(request.profileId);
      if (existing && existing.key === key) return existing.gateway;
      // Settings changed: this profile's gateway is replaced; the others keep running.
      if (existing) void existing.gateway.then((g) => g.close()).catch(() => undefined);
      // Runs through a profile's gateway land in the main gateway's library (one store, one file);
      // its response store stays in memory so two stores never open the same database file.
      const recordings = mainGateway?.recording?.recordings;
      const consoleOrigin = mainGateway ? new URL(mainGateway.url).origin : null;
      const gateway = create(
        {
          ...baseConfig,
          ...loopback,
          dataDir: undefined,
          backend: request.backendUrl,
          backendKind: request.backendKind,
          // The key goes from the keychain to the gateway's backend requests, never to the window.
          backendApiKey: apiKey ?? undefined,
          // The console page (served by the built-in gateway) may use this gateway's console routes.
          consoleOrigins: consoleOrigin ? [...baseConfig.consoleOrigins, consoleOrigin] : baseConfig.consoleOrigins,
          consoleSecret: baseConfig.consoleSecret,
        },
        recordings ? { recordings } : {},
      );
      byProfile.set(request.profileId, { key, gateway });
      gateway.catch(() => byProfile.delete(request.profileId));
      return gateway;
    },
    async closeAll() {
      const all = [...byProfile.values()].map((e) => e.gateway.then((g) => g.close()).catch(() => undefined));
      byProfile.clear();
      if (mainGateway) all.push(mainGateway.close());
      mainGateway = null;
      await Promise.all(all);
    },
  };
}
