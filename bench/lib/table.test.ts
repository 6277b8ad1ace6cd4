import { describe, expect, test } from 'vitest';
import { renderTable } from './table.js';
import { met } from './types.js';

describe('result table', () => {
  test('a target is PASS or MISS by its operator; no target, no verdict', () => {
    expect(met({ id: 'a', label: 'a', value: 0.8, unit: 'ms', target: { op: '<=', value: 1 } })).toBe(true);
    expect(met({ id: 'a', label: 'a', value: 1.2, unit: 'ms', target: { op: '<=', value: 1 } })).toBe(false);
    expect(met({ id: 'a', label: 'a', value: 0.5, unit: '×', target: { op: '>=', value: 0.9 } })).toBe(false);
    expect(met({ id: 'a', label: 'a', value: Number.NaN, unit: 'ms', target: { op: '<=', value: 1 } })).toBe(false);
    expect(met({ id: 'a', label: 'a', value: 3, unit: 'MB' })).toBeUndefined();
  });

  test('renders aligned Markdown rows with values, targets and verdicts', () => {
    const table = renderTable([
      {
        id: 'x',
        label: 'Added p50',
        value: 0.4567,
        unit: 'ms',
        target: { op: '<=', value: 1 },
        note: 'direct 1 / gateway 1.5',
      },
      { id: 'y', label: 'RSS', value: 120, unit: 'MB' },
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[2]).toContain('0.457 ms');
    expect(lines[2]).toContain('≤ 1 ms');
    expect(lines[2]).toContain('PASS');
    expect(lines[3]).toContain('120 MB');
    expect(lines[3]).not.toMatch(/PASS|MISS/);
  });
});
