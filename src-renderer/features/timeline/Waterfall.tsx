import type { Run } from './run-model.js';

/**
 * Items over time: one bar per output item from its first to its last event, TTFT marked. The
 * bars scale to the panel's width; the axis labels are HTML beside the drawing, so they keep
 * their size whatever the width.
 */
export function Waterfall({ run }: { run: Run }) {
  const total = Math.max(run.lastT, 1);
  const width = 600;
  const barH = 10;
  const items = run.items.slice(0, 50);
  const height = Math.max(1, items.length) * (barH + 4);
  const x = (t: number) => (t / total) * width;
  return (
    <div className="waterfall-box">
      <svg
        className="waterfall"
        data-testid="waterfall"
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label="Items over time"
      >
        {run.firstTokenT !== undefined ? (
          <line
            className="ttft"
            x1={x(run.firstTokenT)}
            x2={x(run.firstTokenT)}
            y1={0}
            y2={height}
            vectorEffect="non-scaling-stroke"
          />
        ) : null}
        {items.map((it, i) => (
          <rect
            key={it.key}
            className={`wf-bar wf-${it.type}`}
            x={x(it.firstT)}
            y={i * (barH + 4) + 2}
            width={Math.max(2, x(it.lastT) - x(it.firstT))}
            height={barH}
          >
            <title>{`${it.type} ${it.itemId ?? ''}: ${it.firstT.toFixed(0)}–${it.lastT.toFixed(0)} ms`}</title>
          </rect>
        ))}
      </svg>
      <div className="wf-axis">
        <span>0</span>
        {run.firstTokenT !== undefined ? <span className="wf-ttft">TTFT {run.firstTokenT.toFixed(0)} ms</span> : null}
        <span>{total.toFixed(0)} ms</span>
      </div>
    </div>
  );
}
