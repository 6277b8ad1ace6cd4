/**
 * Web mode: the console and the gateway from one local web server. This is what `npm start`
 * runs where no Electron binary exists, and what the e2e tests drive.
 */
import { createGateway, type Gateway } from '../../src-server/gateway.js';
import type { GatewayConfig } from '../../src-server/config/flags.js';
import { buildConsole } from './build-console.js';
import { consoleGatewayConfig } from './console-config.js';

export interface WebModeOptions {
  /** Gateway flags (same as `responses-studio gateway`). */
  argv?: string[];
  config?: Partial<GatewayConfig>;
  buildQuiet?: boolean;
}

export async function startWebMode(options: WebModeOptions = {}): Promise<Gateway> {
  const { config, explicit } = consoleGatewayConfig(options.argv ?? []);
  // A free port unless the user asked for one: two consoles must not collide.
  if (!explicit.has('port')) config.port = 0;
  const consoleDir = await buildConsole({ quiet: options.buildQuiet });
  return createGateway({ ...config, ...options.config }, { consoleDir });
}
