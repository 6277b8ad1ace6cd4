import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mainThreadWaitedMicrosOf, parseSchedstat, parseStatTimes, runtimeMicrosOf } from './processes.js';

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

describe('parseSchedstat', () => {
  it('reads the time run and the time waited for a core (the first two fields) in nanoseconds', () => {
    expect(parseSchedstat('123456789 2222 33\n')).toEqual({ ranNs: 123_456_789, waitedNs: 2222 });
  });

  it('returns null for an empty, short or malformed line', () => {
    expect(parseSchedstat('')).toBeNull();
    expect(parseSchedstat('123456789')).toBeNull();
    expect(parseSchedstat('x 1 2')).toBeNull();
    expect(parseSchedstat('1 y 2')).toBeNull();
  });
});

describe('runtimeMicrosOf', () => {
  it('counts this process: the main thread within all threads, the total growing with work done', () => {
    const before = runtimeMicrosOf(process.pid);
    let after = before;
    let x = 0;
    // The kernel adds a running thread's time at its scheduler ticks: work until one has passed.
    for (let round = 0; round < 1_000 && after.all <= before.all; round++) {
      for (let i = 0; i < 100_000; i++) x += Math.sqrt(i);
      after = runtimeMicrosOf(process.pid);
    }
    expect(x).toBeGreaterThan(0);
    expect(before.main).toBeGreaterThan(0);
    expect(after.all).toBeGreaterThanOrEqual(after.main);
    // Whichever thread the test runs on (a fork's main thread or a worker), the total grows.
    expect(after.all).toBeGreaterThan(before.all);
  });
});

describe('mainThreadWaitedMicrosOf', () => {
  it("reads this process's main-thread run-queue wait, which never goes back", () => {
    const file = `/proc/${process.pid}/task/${process.pid}/schedstat`;
    const waitedMicros = (): number => Number(readFileSync(file, 'utf8').trim().split(' ')[1]) / 1000;
    const first = waitedMicros();
    const before = mainThreadWaitedMicrosOf(process.pid);
    const after = mainThreadWaitedMicrosOf(process.pid);
    const last = waitedMicros();
    expect(before).toBeGreaterThanOrEqual(0);
    expect(after).toBeGreaterThanOrEqual(before);
    // The second field of the main thread's own file, between readings of it taken around the calls.
    expect(before).toBeGreaterThanOrEqual(first);
    expect(after).toBeLessThanOrEqual(last);
  });
});
