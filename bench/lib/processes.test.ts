import { describe, expect, it } from 'vitest';
import { parseStatTimes } from './processes.js';

describe('parseStatTimes', () => {
  it('reads utime and stime (fields 14 and 15) in microseconds, past a command name with spaces and parentheses', () => {
    const stat =
      '4242 (node (main) x) S 1 4242 4242 0 -1 4194560 9126 0 0 0 1234 56 0 0 20 0 11 0 987 1190000000 30000 18446744073709551615';
    expect(parseStatTimes(stat)).toEqual({ user: 12_340_000, system: 560_000 });
  });

  it('returns null for a line without CPU times', () => {
    expect(parseStatTimes('4242 (node) S 1 2 3')).toBeNull();
  });
});
