/**
 * The suite's leftover-process check (tests/support/leftover-processes.ts) decides which
 * processes are this run's; two runs of one checkout at the same time must not count each
 * other's processes.
 */
import { describe, expect, test } from 'vitest';
import { isLeftover, type ProcessInfo, type RunView } from './leftover-processes.js';

const run: RunView = {
  runId: 'run-a',
  before: new Set([10]),
  pid: 2,
  mine: new Set([1, 2]),
  below: new Set([50, 100]),
  checkout: '/work/repo/',
};
const gateway = (over: Partial<ProcessInfo>): ProcessInfo => ({
  pid: 100,
  ppid: 50,
  state: 'S',
  cmdline: '/usr/bin/node /work/repo/bin/responses-studio.js gateway --port 0',
  runId: 'run-a',
  ...over,
});

describe('leftover processes of a test run', { tags: ['T1'] }, () => {
  test("this run's processes count, wherever they run from", () => {
    expect(isLeftover(gateway({}), run)).toBe(true);
    expect(isLeftover(gateway({ cmdline: '/usr/lib/postgresql/15/bin/postgres -D /tmp/x' }), run)).toBe(true);
  });

  test('a new process of this checkout without any run id counts (a test replaced the environment)', () => {
    expect(isLeftover(gateway({ runId: null }), run)).toBe(true);
    // Below this process, or left to init when its parent died.
    expect(isLeftover(gateway({ runId: null, pid: 101, ppid: 1 }), run)).toBe(true);
  });

  test("another run's processes do not, even from this checkout", () => {
    expect(isLeftover(gateway({ runId: 'run-b' }), run)).toBe(false);
    expect(
      isLeftover(gateway({ runId: 'run-b', cmdline: '/usr/bin/node /work/repo/node_modules/vitest/x.js' }), run),
    ).toBe(false);
    // Another run's Vitest, started after this one: no id in its environment yet, below its npm.
    const vitest = '/usr/bin/node /work/repo/node_modules/.bin/vitest run tests/robustness';
    expect(isLeftover(gateway({ pid: 300, ppid: 299, runId: null, cmdline: vitest }), run)).toBe(false);
  });

  test('nor older processes, other checkouts, zombies, this process and its ancestors, or runner helpers', () => {
    expect(isLeftover(gateway({ pid: 10, runId: null }), run)).toBe(false);
    expect(isLeftover(gateway({ runId: null, cmdline: '/usr/bin/node /work/repo-copy/bin/x.js' }), run)).toBe(false);
    expect(isLeftover(gateway({ state: 'Z' }), run)).toBe(false);
    expect(isLeftover(gateway({ pid: 2 }), run)).toBe(false);
    expect(isLeftover(gateway({ ppid: 2, cmdline: 'node /work/repo/node_modules/vitest/dist/worker.js' }), run)).toBe(
      false,
    );
  });
});
