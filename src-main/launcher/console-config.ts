/**
 * Gateway settings every console launcher shares: the desktop app, web mode (`npm start`) and
 * dev mode record every run (the sessions library shows them) unless `--record off` was given.
 */
import { parseFlags, type GatewayConfig } from '../../src-server/config/flags.js';

export function consoleGatewayConfig(
  argv: string[],
  defaults: { dataDir?: string } = {},
): { config: GatewayConfig; explicit: Set<string> } {
  const { config, explicit } = parseFlags(argv);
  if (!explicit.has('record')) config.record = 'on';
  // The desktop app keeps recordings and stored responses in its user-data folder across restarts.
  if (!explicit.has('dataDir') && defaults.dataDir !== undefined) config.dataDir = defaults.dataDir;
  return { config, explicit };
}
