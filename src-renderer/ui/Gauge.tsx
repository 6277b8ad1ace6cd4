/**
 * A remaining/limit bar. `resetAt` (wall clock) and `now` make the "resets in" figure count down;
 * past it the window has refilled as far as the gateway said.
 */
export function Gauge({
  label,
  remaining,
  limit,
  resetAt,
  now,
}: {
  label: string;
  remaining: number;
  limit: number;
  resetAt?: number;
  now: number;
}) {
  const ratio = limit > 0 ? Math.max(0, Math.min(1, remaining / limit)) : 0;
  const level = ratio < 0.1 ? 'low' : ratio < 0.4 ? 'mid' : 'high';
  const left = resetAt === undefined ? undefined : Math.max(0, (resetAt - now) / 1000);
  return (
    <div className="gauge" data-testid={`gauge-${label}`} data-remaining={remaining} data-limit={limit}>
      <div className="gauge-label">
        <span>{label}</span>
        <span>
          {remaining.toLocaleString()} / {limit.toLocaleString()}
          {left === undefined ? null : (
            <span className="gauge-reset" data-testid={`gauge-${label}-reset`}>
              {left > 0 ? ` · resets in ${left.toFixed(1)} s` : ' · refilled since this reading'}
            </span>
          )}
        </span>
      </div>
      <div className="gauge-track">
        <div className={`gauge-fill gauge-${level}`} style={{ width: `${ratio * 100}%` }} />
      </div>
    </div>
  );
}
