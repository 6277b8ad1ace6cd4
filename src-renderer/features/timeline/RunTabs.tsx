import { useStudio } from '../../app/store.js';
import type { Run } from './run-model.js';

/** A readable tab label: replayed recording, or the run id; the model; an injected fault. */
export function runLabel(r: Run): string {
  return `${r.linkedFrom ? '↳ ' : ''}${r.replayOf ? `▶ ${r.replayOf.name}` : r.id} · ${String(r.request.model ?? '?')}`;
}

export function RunTabs() {
  const runs = useStudio((s) => s.runs);
  const active = useStudio((s) => s.activeRunId);
  const select = useStudio((s) => s.selectRun);
  useStudio((s) => s.version);
  return (
    <div className="run-tabs" role="tablist">
      {runs.map((r) => (
        <button
          key={r.id}
          role="tab"
          aria-selected={r.id === active}
          className={`run-tab status-${r.status}`}
          data-testid="run-tab"
          data-status={r.status}
          onClick={() => select(r.id)}
          title={r.injectedFault ? `simulator fault injected: ${r.injectedFault}` : undefined}
        >
          {runLabel(r)} · <span className="run-status">{r.status}</span>
          {r.injectedFault ? <span className="fault-flag"> ⚡{r.injectedFault}</span> : null}
        </button>
      ))}
    </div>
  );
}
