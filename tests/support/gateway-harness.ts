/**
 * Starts a real gateway on 127.0.0.1:0 in front of the built-in simulator (or a given backend),
 * with the stream validator in strict mode, and collects its log lines instead of printing them.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { BackendAdapter } from '../../src-server/backends/contract.js';
import type { SimulatorServer } from '../../src-server/backends/simulator/index.js';
import { defaultConfig, type GatewayConfig } from '../../src-server/config/flags.js';
import { createGateway, type Gateway } from '../../src-server/gateway.js';
import { createLogger } from '../../src-server/logging/logger.js';
import type { RerunTargetResolver } from '../../src-server/recording/rerun.js';
import type { Dialect } from '../../src-server/shared/protocol/events.js';
import {
  StreamValidator,
  type StreamEventLike,
  type StreamViolation,
} from '../../src-server/shared/protocol/stream-validator.js';

export interface GatewayHarness {
  gateway: Gateway;
  config: GatewayConfig;
  /** `http://127.0.0.1:port` */
  url: string;
  /** `http://127.0.0.1:port/v1`, for SDK clients. */
  baseURL: string;
  /** The in-process simulator behind the gateway (stats, 'disconnect' events), when the backend is one. */
  simulator: SimulatorServer | undefined;
  /** Every log line the gateway wrote, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  backend?: BackendAdapter;
  consoleDir?: string;
  /** Re-run targets besides the gateway itself (docs/recording.md). */
  rerunTargets?: RerunTargetResolver;
}

export async function startGateway(
  overrides: Partial<GatewayConfig> = {},
  options: HarnessOptions = {},
): Promise<GatewayHarness> {
  const config: GatewayConfig = {
    ...defaultConfig(),
    host: '127.0.0.1',
    port: 0,
    backend: 'simulator',
    validateStream: 'strict',
    logLevel: 'debug',
    ...overrides,
  };
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger(config.logLevel, (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const gateway = await createGateway(config, {
    logger,
    backend: options.backend,
    consoleDir: options.consoleDir,
    rerunTargets: options.rerunTargets,
  });
  const backend = gateway.backend as BackendAdapter & { simulator?: SimulatorServer };
  return {
    gateway,
    config,
    url: gateway.url,
    baseURL: `${gateway.url}/v1`,
    simulator: backend.simulator,
    logs,
    close: () => gateway.close(),
  };
}

export interface SseEvent {
  /** The SSE `event:` field. */
  event: string | undefined;
  data: unknown;
}

export interface SseStream {
  events: SseEvent[];
  /** Whether the stream ended with `data: [DONE]`. */
  done: boolean;
  /** Raw body text. */
  text: string;
}

/** Reads a whole SSE body with eventsource-parser (the parser the console uses too). */
export async function readSse(response: Response): Promise<SseStream> {
  const events: SseEvent[] = [];
  let done = false;
  let text = '';
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      if (message.data === '[DONE]') {
        done = true;
        return;
      }
      if (done) throw new Error('event after [DONE]');
      events.push({ event: message.event, data: JSON.parse(message.data) as unknown });
    },
  });
  if (!response.body) throw new Error('response has no body');
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    const s = decoder.decode(chunk as Uint8Array, { stream: true });
    text += s;
    parser.feed(s);
  }
  return { events, done, text };
}

/** POSTs JSON to the gateway with fetch (undici). */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Runs a received stream through the protocol's StreamValidator, SSE event names included (L1). */
export function streamViolations(stream: SseStream, dialect: Dialect, extensions = false): StreamViolation[] {
  const validator = new StreamValidator({ dialect, extensions });
  const out: StreamViolation[] = [];
  for (const e of stream.events) out.push(...validator.check(e.data as StreamEventLike, { sseEventName: e.event }));
  out.push(...validator.finish());
  return out;
}
