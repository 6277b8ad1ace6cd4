/** A remaining/limit bar. */
export function Gauge({
  label,
  remaining,
  limit,
  reset,
}: {
  label: string;
  remaining: number;
  limit: number;
  reset?: number;
}) {
  const ratio = limit > 0 ? Math.max(0, Math.min(1, remaining / limit)) : 0;
  const level = ratio < 0.1 ? 'low' : ratio < 0.4 ? 'mid' : 'high';
  return (
    <div className="gauge" data-testid={`gauge-${label}`} data-remaining={remaining} data-limit={limit}>
      <div className="gauge-label">
        <span>{label}</span>
        <span>
          {remaining.toLocaleString()} / {limit.toLocaleString()}
          {reset !== undefined ? ` · resets in ${reset.toFixed(1)}s` : ''}
        </span>
      </div>
      <div className="gauge-track">
        <div className={`gauge-fill gauge-${level}`} style={{ width: `${ratio * 100}%` }} />
      </div>
    </div>
  );
}
