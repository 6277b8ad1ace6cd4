/**
 * The gateway as a value: an HTTP server in front of a backend adapter. Used by the CLI, the
 * tests, the desktop shell and web mode (which also serves the console from `consoleDir`).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBackend } from './backends/index.js';
import type { BackendAdapter } from './backends/contract.js';
import type { GatewayConfig } from './config/flags.js';
import { createLogger, type Logger } from './logging/logger.js';
import { createHttpApp, type RouteInfo } from './http/server.js';
import { createStateService } from './state/service.js';
import { openGatewayStore, selectStore } from './store/open.js';
import { isClustered, resolveInstanceId } from './cluster/instance.js';
import { forwardedRequestHandler } from './sessions/forwarded.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import { openRecordingService, type RecordingService } from './recording/service.js';
import type { RecordingStorage } from './store/contract.js';
import type { ConsoleServices } from './console/services.js';
import { LogTail, tailLogger } from './observability/log-tail.js';
import { precompileRequestValidator } from './shared/protocol/validate-request.js';
import type { RerunTargetResolver } from './recording/rerun.js';
import { attachWebSocketTransport } from './websocket/upgrade.js';

export type { Logger } from './logging/logger.js';

export interface GatewayOptions {
  /** Rate limiter instead of one built from the --rate-limit-* flags (tests use a short window). */
  rateLimiter?: RateLimiter;
  /** Use this backend instead of creating one from `config.backend`; the gateway still closes it. */
  backend?: BackendAdapter;
  /** Built console to serve for non-API GET requests (web mode, desktop window). */
  consoleDir?: string;
  logger?: Logger;
  /** Recordings store to record into and serve (desktop); else opened per --record / --data-dir. */
  recordings?: RecordingStorage;
  /** Re-run targets besides the gateway itself (desktop: the backend profiles' gateways). */
  rerunTargets?: RerunTargetResolver;
  /** Console services of the host serving the console (desktop main process, web mode). */
  console?: ConsoleServices;
}

export interface Gateway {
  /** `http://host:port` (no trailing slash). */
  url: string;
  port: number;
  server: Server;
  backend: BackendAdapter;
  /** Recorder (null with --record off) and the recordings library. */
  recording: RecordingService;
  /** Recent log lines (GET /v1/console/logs) and their live subscribers. */
  logTail: LogTail;
  /** Every route this gateway serves (method and router pattern, aliases included). */
  routes: readonly RouteInfo[];
  /** Stops accepting connections, ends open streams cleanly, then closes the backend. */
  close(): Promise<void>;
}

/** How long close() lets open streams finish their terminal events before cutting connections. */
const CLOSE_GRACE_MS = 5000;

export async function createGateway(given: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  // `--store sqlite:PATH` without --data-dir: PATH is the data dir (the reasoning key lives there too).
  const selected = selectStore(given);
  const config =
    selected.kind === 'sqlite' && selected.dataDir !== undefined && given.dataDir === undefined
      ? { ...given, dataDir: selected.dataDir }
      : given;
  // The last lines are also kept for the console's live log tail (GET /v1/console/logs).
  const logTail = new LogTail();
  const instanceId = resolveInstanceId(config);
  const clustered = isClustered(config);
  const baseLogger = tailLogger(options.logger ?? createLogger(config.logLevel), logTail, config.logLevel);
  // One of several instances: every log line says which.
  const logger = clustered ? baseLogger.child({ instance: instanceId }) : baseLogger;
  // Compile the request schema now rather than on the first request (about 0.3 s, once per process).
  precompileRequestValidator({ lenient: config.compat === 'lenient' });
  const backend = options.backend ?? (await createBackend(config));
  let store;
  try {
    store = await openGatewayStore(config, {
      instanceId,
      onError: (err) => logger.error('response store background task failed', { err }),
      onLeaseExpired: (ids) => logger.warn('responses of a stopped instance marked failed', { responseIds: ids }),
    });
  } catch (err) {
    await backend.close?.();
    throw err;
  }
  // ioredis is loaded only when instances share Redis (about 2 MB of heap, 20 MB resident and 50 ms
  // of start-up otherwise).
  const cluster = config.redis
    ? new (await import('./cluster/coordinator.js')).ClusterCoordinator({
        url: config.redis,
        prefix: config.redisKeyPrefix,
        instanceId,
        logger,
        claimMs: config.instanceLeaseSeconds * 1000,
        commandTimeoutMs: config.storeTimeoutSeconds * 1000,
        // The same number of events a local replay buffer keeps of typical deltas (about 200 bytes each).
        streamMaxEvents: Math.max(100, Math.ceil(config.backgroundBufferMaxBytes / 200)),
      })
    : null;
  const state = createStateService(config, logger, store, cluster);
  // One database connection: the recordings live in the state service's store unless the caller
  // supplies another (the desktop app shares one library across profile gateways).
  const recording = openRecordingService(config, options.recordings ?? state.store.recordings, (err, where) =>
    logger.error('recorder failed; the request goes on unrecorded', { where, err }),
  );
  await cluster?.start(forwardedRequestHandler(state));
  let url = '';
  const { server, active, routes, surface, metrics, responses } = createHttpApp({
    config,
    backend,
    logger,
    consoleDir: options.consoleDir,
    recording,
    rateLimiter: options.rateLimiter,
    state,
    logTail,
    instance: clustered ? instanceId : undefined,
    selfUrl: () => url,
    rerunTargets: options.rerunTargets,
    console: options.console,
  });
  // GET /v1/responses with Upgrade: websocket (docs/streaming.md#websocket).
  const websockets = attachWebSocketTransport(
    server,
    { config, responses, surface, metrics, recorder: recording.recorder },
    logger,
  );

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await backend.close?.();
    await state.shutdown();
    await cluster?.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${port}`;
  logger.info('gateway listening', {
    url,
    backend: backend.kind,
    backendUrl: backend.baseUrl,
    ...(clustered ? { store: store.kind, redis: cluster !== null } : {}),
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Open log streams end now: they would otherwise hold their connections for the grace period.
      logTail.close();
      // Each open stream ends with its terminal event (and [DONE]) rather than a cut socket.
      const streams = [...active];
      for (const s of streams) s.run.cancel('cancelled');
      // WebSocket connections: the response in flight ends with its terminal event, then 1001.
      const socketsClosed = websockets.closeAll();
      // Background runs and session waits end too; the store closes once their final state is saved.
      const stateClosed = state.shutdown();
      await Promise.race([
        Promise.all([...streams.map((s) => s.writer.whenClosed()), socketsClosed]),
        new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref()),
      ]);
      server.closeIdleConnections();
      const forced = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      forced.unref();
      await serverClosed;
      clearTimeout(forced);
      await stateClosed;
      await cluster?.close();
      await backend.close?.();
      logger.info('gateway closed');
    })();
    return closing;
  };

  return { url, port, server, backend, recording, logTail, routes, close };
}
