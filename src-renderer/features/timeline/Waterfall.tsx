import type { Run } from './run-model.js';

/** Items over time: one bar per output item from its first to its last event, TTFT marked. */
export function Waterfall({ run }: { run: Run }) {
  const total = Math.max(run.lastT, 1);
  const width = 600;
  const barH = 10;
  const items = run.items.slice(0, 50);
  const height = Math.max(1, items.length) * (barH + 4) + 14;
  const x = (t: number) => (t / total) * width;
  return (
    <svg
      className="waterfall"
      data-testid="waterfall"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label="Items over time"
    >
      {run.firstTokenT !== undefined ? (
        <line className="ttft" x1={x(run.firstTokenT)} x2={x(run.firstTokenT)} y1={0} y2={height} />
      ) : null}
      {items.map((it, i) => (
        <g key={it.key}>
          <rect
            className={`wf-bar wf-${it.type}`}
            x={x(it.firstT)}
            y={i * (barH + 4) + 2}
            width={Math.max(2, x(it.lastT) - x(it.firstT))}
            height={barH}
          >
            <title>{`${it.type} ${it.itemId ?? ''}: ${it.firstT.toFixed(0)}–${it.lastT.toFixed(0)} ms`}</title>
          </rect>
        </g>
      ))}
      <text x={2} y={height - 2} className="wf-axis">
        0
      </text>
      <text x={width - 2} y={height - 2} className="wf-axis" textAnchor="end">
        {total.toFixed(0)} ms
      </text>
    </svg>
  );
}
