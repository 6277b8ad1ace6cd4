import { describe, expect, test } from 'vitest';
import { newRun, type Run } from '../timeline/run-model.js';
import { retryBlock } from './retry-block.js';

function answered(id: string, status: number, headers: Record<string, string>, at: number, profileId = 'builtin'): Run {
  const r = newRun(id, {}, {}, at);
  r.profileId = profileId;
  r.httpStatus = status;
  r.responseHeaders = headers;
  r.answeredAt = at;
  return r;
}

describe('Send waits for Retry-After after a 429', () => {
  test('held until Retry-After has passed, for that profile only', { tags: ['U4', 'M3'] }, () => {
    const runs = [answered('run-1', 429, { 'retry-after': '3', 'retry-after-ms': '2500' }, 10_000)];
    expect(retryBlock(runs, 'builtin', 11_000)).toEqual({
      runId: 'run-1',
      until: 12_500,
      leftMs: 1_500,
      retryAfterSeconds: 2.5,
    });
    expect(retryBlock(runs, 'builtin', 12_500)).toBeNull();
    expect(retryBlock(runs, 'vllm-local', 11_000)).toBeNull();
  });
  test(
    'a later answer from the same profile lifts it; a 429 without Retry-After holds nothing',
    { tags: ['U4', 'M3'] },
    () => {
      const limited = answered('run-1', 429, { 'retry-after': '30' }, 0);
      expect(retryBlock([limited, answered('run-2', 200, {}, 1_000)], 'builtin', 2_000)).toBeNull();
      expect(retryBlock([answered('run-1', 429, {}, 0)], 'builtin', 1)).toBeNull();
    },
  );
});
