/**
 * Vitest global setup: PostgreSQL and Redis for the multi-instance tests (X8).
 *
 * With STUDIO_TEST_POSTGRES_URL and STUDIO_TEST_REDIS_URL set (CI can start shared servers) those
 * are used. Otherwise, when the Debian packages are installed, this run starts its own throwaway
 * servers on free ports (scripts/test-services.mjs) and stops them at the end, so two suites
 * running at once never share one; a watcher stops them too if this run is killed before its
 * end. Without the packages nothing is started and the X8 tests fail with the command that
 * installs them (tests/support/services.ts): they never skip silently.
 */
// @ts-expect-error: a plain ES module script without type declarations.
import { missingPackages, start, stop } from '../../scripts/test-services.mjs';

export default async function setup(): Promise<() => void> {
  if (process.env.STUDIO_TEST_POSTGRES_URL && process.env.STUDIO_TEST_REDIS_URL) return () => undefined;
  const missing = (missingPackages as () => string[])().filter((p) => p !== 'haproxy');
  if (missing.length > 0) return () => undefined;
  const started = await (start as (owner: number) => Promise<{ dir: string; postgresUrl: string; redisUrl: string }>)(
    process.pid,
  );
  process.env.STUDIO_TEST_POSTGRES_URL = started.postgresUrl;
  process.env.STUDIO_TEST_REDIS_URL = started.redisUrl;
  return () => (stop as (dir: string) => void)(started.dir);
}
