/**
 * Key figures for the Gateway panel from `GET /metrics?format=json` (prom-client's JSON: one entry
 * per metric with its labelled values). Sums over labels; histograms give count and mean.
 */
export interface MetricValue {
  value: number;
  labels?: Record<string, string | number>;
  metricName?: string;
}

export interface MetricJson {
  name: string;
  help?: string;
  type: string;
  values: MetricValue[];
}

export interface KeyMetric {
  /** Metric name without the `responses_gateway_` prefix. */
  id: string;
  label: string;
  value: string;
  help?: string;
}

const PREFIX = 'responses_gateway_';

/** What the panel shows, in order; metrics a gateway does not export are left out. */
const FIGURES: { id: string; label: string; kind: 'sum' | 'mean-ms' | 'by' }[] = [
  { id: 'http_requests_total', label: 'HTTP requests', kind: 'sum' },
  { id: 'active_streams', label: 'Active streams', kind: 'sum' },
  { id: 'responses_total', label: 'Responses by status', kind: 'by' },
  { id: 'time_to_first_event_seconds', label: 'Time to first event (mean)', kind: 'mean-ms' },
  { id: 'overhead_seconds', label: 'Gateway overhead (mean)', kind: 'mean-ms' },
  { id: 'sse_events_written_total', label: 'SSE events written', kind: 'sum' },
  { id: 'backend_errors_total', label: 'Backend errors', kind: 'by' },
  { id: 'stream_violations_total', label: 'Stream violations', kind: 'sum' },
  { id: 'rate_limit_rejections_total', label: 'Rate-limit rejections', kind: 'sum' },
  { id: 'invalid_tool_arguments_total', label: 'Tool calls with arguments that are not JSON', kind: 'sum' },
  { id: 'sessions_active', label: 'Live sessions', kind: 'sum' },
  { id: 'background_runs', label: 'Background runs', kind: 'sum' },
  { id: 'store_responses', label: 'Stored responses', kind: 'sum' },
  { id: 'recordings', label: 'Recordings', kind: 'sum' },
  { id: 'recordings_bytes', label: 'Recording bytes', kind: 'sum' },
];

function sum(values: MetricValue[]): number {
  return values.reduce((a, v) => a + (Number.isFinite(v.value) ? v.value : 0), 0);
}

function format(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** `status=completed: 3, failed: 1` style breakdown by the first label that varies. */
function breakdown(values: MetricValue[]): string {
  const by = new Map<string, number>();
  for (const v of values) {
    const labels = v.labels ?? {};
    const key = String(labels.status ?? labels.code ?? Object.values(labels)[0] ?? 'total');
    by.set(key, (by.get(key) ?? 0) + v.value);
  }
  if (by.size === 0) return '0';
  return [...by].map(([k, n]) => `${k}: ${format(n)}`).join(', ');
}

export function keyMetrics(metrics: MetricJson[]): KeyMetric[] {
  const byName = new Map(metrics.map((m) => [m.name, m]));
  const out: KeyMetric[] = [];
  for (const f of FIGURES) {
    const m = byName.get(PREFIX + f.id);
    if (!m) continue;
    let value: string;
    if (f.kind === 'mean-ms') {
      const count = sum(m.values.filter((v) => v.metricName?.endsWith('_count')));
      const total = sum(m.values.filter((v) => v.metricName?.endsWith('_sum')));
      value = count === 0 ? '–' : `${((total / count) * 1000).toFixed(1)} ms (${count})`;
    } else if (f.kind === 'by') {
      value = breakdown(m.values);
    } else {
      value = format(sum(m.values));
    }
    out.push({ id: f.id, label: f.label, value, help: m.help });
  }
  return out;
}

/** Reads the `data` array of the JSON form, or null when the body is not one. */
export function metricsFromBody(body: unknown): MetricJson[] | null {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return null;
  return data.filter(
    (m): m is MetricJson =>
      !!m &&
      typeof m === 'object' &&
      typeof (m as MetricJson).name === 'string' &&
      Array.isArray((m as MetricJson).values),
  );
}
