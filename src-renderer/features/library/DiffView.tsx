import { useStudio } from '../../app/store.js';
import type { Timing } from '../../../src-server/shared/recording-format/diff.js';
import { groupOps } from './diff-groups.js';

const fmt = (v: number | null, digits: number, unit: string) => (v === null ? '–' : `${v.toFixed(digits)}${unit}`);
const delta = (a: number | null, b: number | null, digits: number, unit: string) =>
  a === null || b === null ? '' : `${b - a >= 0 ? '+' : ''}${(b - a).toFixed(digits)}${unit}`;

function TimingTable({ a, b }: { a: Timing; b: Timing }) {
  const rows: [string, number | null, number | null, number, string][] = [
    ['Time to first token', a.ttftMs, b.ttftMs, 1, ' ms'],
    ['Tokens/s', a.tokensPerSecond, b.tokensPerSecond, 1, ''],
    ['Duration', a.durationMs, b.durationMs, 1, ' ms'],
    ['Output tokens', a.outputTokens, b.outputTokens, 0, ''],
  ];
  return (
    <table className="history" data-testid="diff-timing">
      <thead>
        <tr>
          <th />
          <th>A</th>
          <th>B</th>
          <th>B − A</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([label, x, y, d, unit]) => (
          <tr key={label}>
            <td>{label}</td>
            <td>{fmt(x, d, unit)}</td>
            <td>{fmt(y, d, unit)}</td>
            <td>{delta(x, y, d, unit)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const short = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? '–' : s.length > 120 ? `${s.slice(0, 117)}…` : s;
};

/** Two runs side by side: event-type sequence, final Response JSON, timing. */
export function DiffView() {
  const diff = useStudio((s) => s.library.diff);
  const setLibrary = useStudio((s) => s.setLibrary);
  if (!diff) return null;
  const { result } = diff;
  const groups = groupOps(result);
  return (
    <div className="palette-backdrop" onClick={() => setLibrary({ diff: null })}>
      <div
        className="diff-view"
        role="dialog"
        aria-label={diff.title}
        data-testid="diff-view"
        data-equal={String(result.equal)}
        onClick={(e) => e.stopPropagation()}
      >
        <header className="panel-header">
          <h2>
            {diff.title}: <span className="mono">A</span> {diff.a.label} ↔ <span className="mono">B</span>{' '}
            {diff.b.label}
          </h2>
          <button data-testid="diff-close" onClick={() => setLibrary({ diff: null })}>
            Close
          </button>
        </header>
        <div className="diff-body">
          <div className="diff-summary" data-testid="diff-summary">
            {result.equal ? <span className="badge ok">equal</span> : <span className="badge bad">different</span>}
            <span className="badge op-missing" data-testid="diff-missing-count">
              {result.missing.length} missing in B
            </span>
            <span className="badge op-extra" data-testid="diff-extra-count">
              {result.extra.length} extra in B
            </span>
            <span className="badge op-reordered" data-testid="diff-reordered-count">
              {result.reordered.length} reordered
            </span>
            <span className="badge">{result.response.length} JSON changes</span>
          </div>
          {result.missing.length ? (
            <div className="small-note">
              Missing in B: <span className="mono">{[...new Set(result.missing)].join(', ')}</span>
            </div>
          ) : null}
          {result.extra.length ? (
            <div className="small-note">
              Extra in B: <span className="mono">{[...new Set(result.extra)].join(', ')}</span>
            </div>
          ) : null}
          <div className="diff-columns">
            <section>
              <h3>Event sequence</h3>
              <div className="diff-seq" data-testid="diff-sequence">
                <div className="diff-seq-row head">
                  <span>A</span>
                  <span>B</span>
                </div>
                {groups.map((g, i) => (
                  <div
                    key={i}
                    className={`diff-seq-row op-${g.op}${g.reordered ? ' op-reordered' : ''}`}
                    data-testid="diff-op"
                    data-op={g.reordered ? 'reordered' : g.op}
                    data-type={g.type}
                  >
                    <span>{g.op === 'extra' ? '' : `${g.type}${g.count > 1 ? ` ×${g.count}` : ''}`}</span>
                    <span>{g.op === 'missing' ? '' : `${g.type}${g.count > 1 ? ` ×${g.count}` : ''}`}</span>
                  </div>
                ))}
              </div>
            </section>
            <section>
              <h3>Timing</h3>
              <TimingTable a={result.timing.a} b={result.timing.b} />
              <h3>Final response JSON</h3>
              {result.response.length === 0 ? (
                <div className="muted" data-testid="diff-json-equal">
                  Same final Response (ids and timestamps ignored).
                </div>
              ) : (
                <table className="history" data-testid="diff-json">
                  <tbody>
                    {result.response.map((c, i) => (
                      <tr key={i} className={`json-${c.kind}`}>
                        <td className="mono">{c.path}</td>
                        <td>{c.kind}</td>
                        <td className="mono">{c.kind === 'added' ? '' : short(c.a)}</td>
                        <td className="mono">{c.kind === 'removed' ? '' : short(c.b)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          </div>
        </div>
      </div>
    </div>
  );
}
