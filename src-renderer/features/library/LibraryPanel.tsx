import { useEffect, useRef, useState } from 'react';
import { useStudio } from '../../app/store.js';
import { bridge } from '../../lib/bridge.js';
import { openTextFileNative, readFiles } from '../../lib/files.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { ErrorNote, Panel, Unavailable } from '../../ui/Panel.js';
import {
  deleteRecording,
  diffSelected,
  exportRecording,
  importRecordingFiles,
  openRecording,
  refreshLibrary,
  openRecordingInComposer,
  renameRecording,
  rerunRecording,
  tagRecording,
} from './actions.js';
import { profileLabel } from '../connections/profiles.js';
import type { RecordingSummary } from './library-client.js';
import { recordingLabel } from './replay-run.js';

const time = (ms: number) =>
  new Date(ms).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
const duration = (ms: number | null) =>
  ms === null ? '–' : ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;

function Row({
  r,
  active,
  checked,
  onActivate,
}: {
  r: RecordingSummary;
  active: boolean;
  checked: boolean;
  onActivate: () => void;
}) {
  const toggle = useStudio((s) => s.toggleLibrarySelection);
  return (
    <li
      className={`rec-row${active ? ' active' : ''}`}
      data-testid="library-row"
      data-id={r.id}
      data-status={r.status}
      onClick={onActivate}
    >
      <input
        type="checkbox"
        aria-label="Select for diff"
        data-testid="library-check"
        checked={checked}
        onClick={(e) => e.stopPropagation()}
        onChange={() => toggle(r.id)}
      />
      <div className="rec-main">
        <div className="rec-title">
          <span className="rec-name" data-testid="library-name">
            {recordingLabel(r)}
          </span>
          <span className={`badge status-${r.status}`}>{r.status}</span>
        </div>
        <div className="rec-meta muted">
          {r.requestKind === 'tool_outputs' ? 'tool-outputs POST · ' : ''}
          {r.model ?? '?'} · {time(r.createdAt)} · {duration(r.durationMs)} · {r.eventCount} events
          {r.toolsUsed.length ? ` · tools: ${r.toolsUsed.join(', ')}` : ''}
        </div>
        {r.rerunOf ? (
          <div className="rec-meta muted" data-testid="library-rerun-of">
            re-run of <span className="mono">{r.rerunOf}</span>
          </div>
        ) : null}
        {r.textPreview ? <div className="rec-text">{r.textPreview}</div> : null}
        {r.tags.length ? (
          <div className="rec-tags">
            {r.tags.map((t) => (
              <span key={t} className="tag">
                {t}
              </span>
            ))}
          </div>
        ) : null}
      </div>
    </li>
  );
}

/** Rename, tag, export, re-run and delete one recording. */
function Details({ r }: { r: RecordingSummary }) {
  const profiles = useStudio((s) => s.profiles);
  const setLibrary = useStudio((s) => s.setLibrary);
  const backend = useStudio((s) => (s.activeProfileId === 'builtin' ? s.health.backend : undefined));
  // The fields start from the recording and then belong to the user: a list refresh (after a
  // rename, a search, a finished run) must not overwrite what is being typed. Details is keyed by
  // the recording id, so another recording starts fresh.
  const [name, setName] = useState(r.name ?? '');
  const [tags, setTags] = useState(r.tags.join(', '));
  const [profileId, setProfileId] = useState('builtin');
  const gatewayUrls = useStudio((s) => s.gatewayUrls);
  return (
    <div className="rec-details" data-testid="library-details">
      <div className="row-actions">
        <button
          className="primary"
          data-testid="library-open"
          onClick={() => void openRecording(r.id, 'instant')}
          title="Load every event into the timeline at once"
        >
          Open
        </button>
        <button
          data-testid="library-replay"
          onClick={() => void openRecording(r.id, 1)}
          title="Play back with the recorded timing"
        >
          Replay 1×
        </button>
        <button
          data-testid="library-replay-paused"
          onClick={() => void openRecording(r.id, 1, true)}
          title="Start paused, then step event by event"
        >
          Step through
        </button>
        <button
          data-testid="library-edit"
          disabled={r.requestKind === 'tool_outputs'}
          onClick={() => void openRecordingInComposer(r.id)}
          title={
            r.requestKind === 'tool_outputs'
              ? 'A tool-outputs submission is not a request to resend on its own'
              : 'Put the recorded request into the composer to edit and resend'
          }
        >
          Edit in composer
        </button>
      </div>
      {r.rerunOf ? (
        <div className="small-note">
          Re-run of{' '}
          <button
            className="link"
            data-testid="library-show-original"
            onClick={() => setLibrary({ search: r.rerunOf ?? '' })}
          >
            {r.rerunOf}
          </button>
        </div>
      ) : null}
      <label className="field">
        Name
        <span className="inline">
          <input
            data-testid="library-rename"
            value={name}
            placeholder={recordingLabel({ ...r, name: null })}
            aria-label="Name"
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && void renameRecording(r.id, name)}
          />
          <button data-testid="library-rename-save" onClick={() => void renameRecording(r.id, name)}>
            Rename
          </button>
        </span>
      </label>
      <label className="field">
        Tags (comma-separated)
        <span className="inline">
          <input
            data-testid="library-tags"
            value={tags}
            onChange={(e) => setTags(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && void tagRecording(r.id, tags)}
          />
          <button data-testid="library-tags-save" onClick={() => void tagRecording(r.id, tags)}>
            Save tags
          </button>
        </span>
      </label>
      <div className="row-actions">
        <button data-testid="library-export-jsonl" onClick={() => void exportRecording(r.id, 'jsonl')}>
          Export JSONL
        </button>
        <button data-testid="library-export-har" onClick={() => void exportRecording(r.id, 'har')}>
          Export HAR
        </button>
        <button className="danger" data-testid="library-delete" onClick={() => void deleteRecording(r.id)}>
          Delete
        </button>
      </div>
      <div className="row-actions">
        <select
          aria-label="Re-run against"
          data-testid="library-rerun-profile"
          value={profileId}
          onChange={(e) => setProfileId(e.target.value)}
        >
          {profiles.map((p) => (
            <option key={p.id} value={p.id} disabled={p.kind !== 'builtin' && !gatewayUrls[p.id]}>
              {p.kind === 'builtin' ? profileLabel(p, backend) : p.name}
              {p.kind !== 'builtin' && !gatewayUrls[p.id] ? ' (not connected)' : ''}
            </option>
          ))}
        </select>
        <button
          data-testid="library-rerun"
          onClick={() => void rerunRecording(r.id, profileId)}
          title="Send the recorded requests (and tool outputs) again, then diff"
        >
          Re-run and diff
        </button>
      </div>
      <div className="muted mono small-note">
        {r.id} · session {r.sessionId ?? '–'} · {(r.bytes / 1024).toFixed(1)} KiB
        {r.truncated ? ' · truncated by the quota' : ''}
      </div>
    </div>
  );
}

export function LibraryPanel() {
  const lib = useStudio((s) => s.library);
  const setLibrary = useStudio((s) => s.setLibrary);
  // Refresh when a live run ends (the gateway has recorded it by then).
  const finished = useStudio(
    (s) => s.runs.filter((r) => !r.replayOf && !['sending', 'streaming', 'waiting'].includes(r.status)).length,
  );
  const [activeId, setActiveId] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const t = setTimeout(() => void refreshLibrary(), lib.search ? 200 : 0);
    return () => clearTimeout(t);
  }, [lib.search, finished]);
  const active = lib.items.find((r) => r.id === activeId) ?? null;
  const importNative = async () => {
    const file = await openTextFileNative(['jsonl', 'ndjson', 'json']);
    if (file) await importRecordingFiles([file]);
  };
  return (
    <Panel
      title={`Sessions${lib.status === 'ready' ? ` (${lib.total})` : ''}`}
      testId="library-panel"
      actions={
        <>
          <button
            data-testid="library-diff"
            disabled={lib.selected.length !== 2}
            onClick={() => void diffSelected()}
            title="Compare the two ticked recordings"
          >
            Diff {lib.selected.length}/2
          </button>
          {bridge() ? (
            <button data-testid="library-import" onClick={() => void importNative()}>
              Import…
            </button>
          ) : (
            <button data-testid="library-import" onClick={() => fileInput.current?.click()}>
              Import…
            </button>
          )}
          <input
            ref={fileInput}
            type="file"
            hidden
            multiple
            accept=".jsonl,.ndjson,.json"
            data-testid="library-import-input"
            onChange={(e) =>
              e.target.files &&
              void readFiles(e.target.files)
                .then((f) => importRecordingFiles(f))
                .finally(() => (e.target.value = ''))
            }
          />
          <button onClick={() => void refreshLibrary()}>Refresh</button>
        </>
      }
    >
      {lib.status === 'unavailable' ? (
        <Unavailable
          feature="The sessions library"
          detail="this gateway serves no /v1/recordings; start it with --record on (the desktop app and npm start do)"
        />
      ) : null}
      {lib.recording === false ? (
        <div className="unavailable">
          Recording is off on this gateway: the library shows stored and imported runs only.
        </div>
      ) : null}
      <input
        type="search"
        data-testid="library-search"
        placeholder="search model, status, tools, text, tags…"
        value={lib.search}
        onChange={(e) => setLibrary({ search: e.target.value })}
      />
      <ErrorNote message={lib.error} testId="library-error" />
      {lib.notice ? (
        <div className="ok-note" data-testid="library-notice">
          {lib.notice}
        </div>
      ) : null}
      {lib.busy ? <div className="muted small-note">{lib.busy}…</div> : null}
      {lib.status === 'ready' && lib.items.length === 0 ? (
        <EmptyState title={lib.search ? 'No recording matches' : 'No recordings yet'} testId="library-empty">
          Every run through the gateway is recorded: send a request, or import a <code>.jsonl</code> recording (button
          above, or drop the file on the window).
        </EmptyState>
      ) : (
        <ul className="rec-list" data-testid="library-list">
          {lib.items.map((r) => (
            <Row
              key={r.id}
              r={r}
              active={r.id === activeId}
              checked={lib.selected.includes(r.id)}
              onActivate={() => setActiveId(r.id)}
            />
          ))}
        </ul>
      )}
      {active ? (
        <Details key={active.id} r={active} />
      ) : lib.items.length ? (
        <div className="muted small-note">
          Select a recording to open, replay, rename, tag, export, re-run or delete it; tick two to diff them.
        </div>
      ) : null}
    </Panel>
  );
}
