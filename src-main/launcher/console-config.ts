/**
 * Gateway settings every console launcher shares: the desktop app, web mode (`npm start`) and
 * dev mode record every run (the sessions library shows them) unless `--record off` was given.
 * The launchers also take two flags of their own, before the gateway flags are parsed:
 *
 *   --in-memory   keep the library, saved requests and profile keys in memory (no data folder)
 *   --verbose     print the gateway's log lines and the bundler's output (default: one line)
 */
import { FlagError, parseFlags, type GatewayConfig } from '../../src-server/config/flags.js';

export interface LauncherFlags {
  inMemory: boolean;
  verbose: boolean;
}

export const LAUNCHER_FLAGS_HELP = `Console:
  --in-memory
      Keep the sessions library, stored responses, saved requests and profile keys in memory: nothing is written to disk. Without it (and without --data-dir) web mode uses the per-user data folder ($XDG_DATA_HOME/responses-studio or ~/.local/share/responses-studio).
  --verbose
      Print the gateway's log lines and the bundler's output; by default npm start prints one line with the URL (the log is in the console's Gateway panel).
`;

/** Takes the launcher's own flags out of argv; the rest are gateway flags. */
export function splitLauncherFlags(argv: readonly string[]): { launcher: LauncherFlags; gatewayArgv: string[] } {
  const launcher: LauncherFlags = { inMemory: false, verbose: false };
  const gatewayArgv: string[] = [];
  for (const arg of argv) {
    if (arg === '--in-memory') launcher.inMemory = true;
    else if (arg === '--verbose') launcher.verbose = true;
    else gatewayArgv.push(arg);
  }
  return { launcher, gatewayArgv };
}

export function consoleGatewayConfig(
  argv: string[],
  defaults: { dataDir?: string } = {},
): { config: GatewayConfig; explicit: Set<string>; launcher: LauncherFlags } {
  const { launcher, gatewayArgv } = splitLauncherFlags(argv);
  const { config, explicit } = parseFlags(gatewayArgv);
  if (!explicit.has('record')) config.record = 'on';
  // Recordings and stored responses live in the data folder across restarts (desktop: its
  // user-data folder; web mode: the XDG data folder), unless --data-dir or --in-memory says otherwise.
  if (launcher.inMemory) {
    if (explicit.has('dataDir')) throw new FlagError('--in-memory and --data-dir exclude each other');
    config.dataDir = undefined;
  } else if (!explicit.has('dataDir') && defaults.dataDir !== undefined) config.dataDir = defaults.dataDir;
  return { config, explicit, launcher };
}
