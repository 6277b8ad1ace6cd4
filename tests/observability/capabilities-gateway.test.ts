import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  capabilityString,
  decryptEndpoint,
  featureAvailability,
  SESSION_FEATURES,
  sessionHeader,
} from '../../src-renderer/features/gateway/capabilities.js';
import { REDACTED } from '../../src-server/observability/gateway-report.js';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';

describe('/v1/capabilities gateway section (what the console reads)', () => {
  let h: GatewayHarness;
  let caps: Record<string, unknown>;
  let gateway: Record<string, unknown>;
  beforeAll(async () => {
    h = await startGateway({
      logLevel: 'warn',
      record: 'on',
      apiKeys: ['sk-secret-one'],
      backendApiKey: 'backend-secret',
      reasoningEncryptionKeys: ['a'.repeat(64)],
      rateLimitRequestsPerMinute: 50,
    });
    const res = await fetch(`${h.url}/v1/capabilities`, { headers: { authorization: 'Bearer sk-secret-one' } });
    caps = (await res.json()) as Record<string, unknown>;
    gateway = caps.gateway as Record<string, unknown>;
  });
  afterAll(() => h.close());

  test(
    'C1 sessions, H4 inspector, recordings, logs and metrics endpoints are advertised',
    { tags: ['C1', 'H4'] },
    () => {
      expect(gateway).toMatchObject({
        sessions: { enabled: true, header: 'X-Responses-Session' },
        encrypted_content: { inspect: '/v1/console/encrypted-content/inspect' },
        recordings: { enabled: true, recording: true },
        logs: { endpoint: '/v1/console/logs' },
        metrics: { endpoint: '/metrics' },
      });
      // The console's readers find them without probing routes.
      expect(capabilityString(caps, ['gateway.logs.endpoint'])).toBe('/v1/console/logs');
      expect(capabilityString(caps, ['gateway.metrics.endpoint'])).toBe('/metrics');
      expect(decryptEndpoint(caps)).toBe('/v1/console/encrypted-content/inspect');
      expect(featureAvailability(caps, SESSION_FEATURES)).toBe('available');
      expect(sessionHeader(caps)).toBe('X-Responses-Session');
    },
  );

  test('active flags are the config by flag name, with every secret redacted', () => {
    const flags = gateway.flags as Record<string, unknown>;
    expect(flags['rate-limit-requests-per-minute']).toBe(50);
    expect(flags.record).toBe('on');
    expect(flags['api-key']).toEqual([REDACTED]);
    expect(flags['backend-api-key']).toBe(REDACTED);
    expect(flags['reasoning-encryption-key']).toEqual([REDACTED]);
    const text = JSON.stringify(caps);
    for (const secret of ['sk-secret-one', 'backend-secret', 'a'.repeat(64)]) expect(text).not.toContain(secret);
  });

  test('closing the gateway ends open log streams', async () => {
    const other = await startGateway({ logLevel: 'info' });
    const res = await fetch(`${other.url}/v1/console/logs`);
    const body = res.text();
    await other.close();
    // The stream ended (the body resolves) rather than being cut after the close grace period.
    expect(typeof (await body)).toBe('string');
  });
});
