/**
 * The compiled gateway (`npm run build:gateway`, dist/), built at most once per bench run: the
 * runner needs it for the gateway under test, the start-up scenario to compare it with tsx.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
let outcome: string | null | undefined;

/** Builds dist/ the first time it is called; null when the build succeeded, else its output. */
export function buildGatewayOnce(): string | null {
  if (outcome !== undefined) return outcome;
  const build = spawnSync(process.execPath, [`${root}scripts/build-gateway.mjs`], { cwd: root, encoding: 'utf8' });
  outcome = build.status === 0 ? null : `${build.stdout}${build.stderr}`;
  return outcome;
}
