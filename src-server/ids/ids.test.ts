import { describe, expect, it } from 'vitest';
import {
  newFunctionCallOutputId,
  newRecordingId,
  newRecordingSessionId,
  newRequestId,
  newResponseId,
  randomHex,
} from './ids.js';

describe('ids', () => {
  it('randomHex gives the asked number of random bytes as lowercase hex, distinct across refills of the pool', () => {
    const seen = new Set<string>();
    // 12 bytes does not divide the 4096-byte pool: some draws come right at a refill.
    for (let i = 0; i < 2000; i++) {
      const hex = randomHex(12);
      expect(hex).toMatch(/^[0-9a-f]{24}$/);
      seen.add(hex);
    }
    expect(seen.size).toBe(2000);
    expect(randomHex(24)).toMatch(/^[0-9a-f]{48}$/);
  });

  it('makes object ids in OpenAI shape', () => {
    expect(newResponseId()).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(newFunctionCallOutputId()).toMatch(/^fco_[0-9a-f]{32}$/);
  });

  it("makes the gateway's own request, recording and session ids with 24 hex characters", () => {
    expect(newRequestId()).toMatch(/^req_[0-9a-f]{24}$/);
    expect(newRecordingId()).toMatch(/^rec_[0-9a-f]{24}$/);
    expect(newRecordingSessionId()).toMatch(/^ses_[0-9a-f]{24}$/);
  });
});
