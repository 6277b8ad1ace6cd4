/** Renders metrics as a Markdown table (printed, and pasted into docs/benchmark.md). */
import { met, type Metric } from './types.js';

function fmt(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Number.isInteger(value)) return String(value);
  const text = value.toFixed(Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 3);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

export function renderTable(metrics: readonly Metric[]): string {
  const rows = metrics.map((m) => {
    const ok = met(m);
    return [
      m.label,
      `${fmt(m.value)} ${m.unit}`,
      m.target ? `${m.target.op === '<=' ? '≤' : '≥'} ${fmt(m.target.value)} ${m.unit}` : '',
      ok === undefined ? '' : ok ? 'PASS' : 'MISS',
      m.note ?? '',
    ];
  });
  const head = ['Metric', 'Measured', 'Target', 'Result', 'Notes'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
