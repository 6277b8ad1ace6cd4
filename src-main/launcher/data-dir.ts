/**
 * Where web mode keeps the library (recordings, stored responses), saved requests and profile
 * keys by default: the per-user data folder of the XDG base directory spec, like the desktop
 * app's user-data folder.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export const APP_FOLDER = 'responses-studio';

/** `$XDG_DATA_HOME/responses-studio`, else `~/.local/share/responses-studio` (a relative XDG_DATA_HOME is ignored, as the spec says). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'share');
  return join(base, APP_FOLDER);
}
