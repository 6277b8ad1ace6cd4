import { useEffect, useState } from 'react';
import { getJson } from '../../lib/gateway-client.js';
import { ErrorNote } from '../../ui/Panel.js';
import { keyMetrics, metricsFromBody, type KeyMetric } from './metrics-summary.js';

/** How often the panel re-reads the metrics. */
const REFRESH_MS = 3000;

/** Key gateway metrics from the JSON form of /metrics, refreshed every few seconds. */
export function MetricsView({ baseUrl, apiKey, path }: { baseUrl: string; apiKey?: string; path: string }) {
  const [figures, setFigures] = useState<KeyMetric[] | null>(null);
  const [error, setError] = useState<string>();

  useEffect(() => {
    const controller = new AbortController();
    const load = async (): Promise<void> => {
      const res = await getJson({ baseUrl, apiKey }, path, controller.signal);
      if (controller.signal.aborted) return;
      const metrics = res.status === 200 ? metricsFromBody(res.body) : null;
      if (metrics) {
        setFigures(keyMetrics(metrics));
        setError(undefined);
      } else setError(res.error ?? `metrics answered HTTP ${res.status}`);
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [baseUrl, apiKey, path]);

  return (
    <div data-testid="gateway-metrics">
      <ErrorNote message={error} />
      {figures === null ? (
        <div className="muted">loading…</div>
      ) : (
        <dl className="kv metrics-kv">
          {figures.map((f) => (
            <div key={f.id} className="kv-row" title={f.help}>
              <dt>{f.label}</dt>
              <dd className="mono" data-testid={`metric-${f.id}`}>
                {f.value}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}
