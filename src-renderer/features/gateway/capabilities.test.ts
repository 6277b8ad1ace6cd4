import { describe, expect, test } from 'vitest';
import { capabilityReport } from '../../../src-server/shared/protocol/capabilities.js';
import { featureAvailability, sessionHeader, STORE_FEATURES } from './capabilities.js';

describe('features from /v1/capabilities', () => {
  test("the gateway's own report: previous_response_id follows its table", () => {
    const report = capabilityReport() as unknown as Record<string, unknown>;
    const status = (report.parameters as Record<string, { status: string }>).previous_response_id.status;
    expect(featureAvailability(report, STORE_FEATURES)).toBe(status === 'supported' ? 'available' : 'unavailable');
  });
  test('no report: unknown; advertised objects and flags: available', () => {
    expect(featureAvailability(null, ['sessions'])).toBe('unknown');
    expect(featureAvailability({ features: { session_mode: { header: 'X-S' } } }, ['session_mode'])).toBe('available');
    expect(featureAvailability({ features: ['tool_outputs'] }, ['tool_outputs'])).toBe('available');
    expect(featureAvailability({ sessions: false }, ['sessions'])).toBe('unavailable');
    expect(featureAvailability({}, ['sessions'])).toBe('unavailable');
  });
  test('session header comes from the report when advertised', () => {
    expect(sessionHeader({ features: { session_mode: { header: 'X-Responses-Session-Mode' } } })).toBe(
      'X-Responses-Session-Mode',
    );
    expect(sessionHeader(null)).toBe('X-Responses-Session');
  });
});
