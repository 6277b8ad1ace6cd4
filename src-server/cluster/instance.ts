/**
 * The identity of one gateway instance among several (docs/deploy.md): its id appears in every
 * log line, in the `x-studio-instance` response header and in the leases of the responses it runs.
 */
import os from 'node:os';
import type { GatewayConfig } from '../config/flags.js';

/** Response header naming the instance that answered (multi-instance deployments). */
export const INSTANCE_HEADER = 'x-studio-instance';

export function resolveInstanceId(config: Pick<GatewayConfig, 'instanceId'>): string {
  const given = config.instanceId?.trim();
  if (given) {
    if (!/^[A-Za-z0-9._:-]{1,64}$/.test(given))
      throw new Error('--instance-id must be 1-64 characters of letters, digits, dot, colon, dash or underscore');
    return given;
  }
  return `${os.hostname()}-${process.pid}`.replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 64);
}

/** True when this instance is one of several: shared store, Redis, or an explicit instance id. */
export function isClustered(config: Pick<GatewayConfig, 'instanceId' | 'redis' | 'store'>): boolean {
  return Boolean(config.instanceId || config.redis || /^postgres/.test(config.store ?? ''));
}
