/**
 * What the sessions library does: list and search, open or replay a recording into the
 * timeline, rename, tag, delete, export, import, diff two runs, re-run against a profile.
 * Every failure is shown in the library panel with the gateway's own message.
 */
import { useStudio } from '../../app/store.js';
import type { Connection } from '../../lib/gateway-client.js';
import { saveTextFile } from '../../lib/files.js';
import type { ReplayHandle, ReplaySpeed } from '../../../src-server/shared/recording-format/replay.js';
import { connectionFor, profileLabel } from '../connections/profiles.js';
import { openRequestInComposer } from '../timeline/edit-run.js';
import { library, LibraryError, type RecordingSummary } from './library-client.js';
import { playRecording, recordingLabel } from './replay-run.js';

/** Live playback handles by timeline run id (not serializable, so outside the store). */
const handles = new Map<string, ReplayHandle>();
let replayCounter = 0;

/** The library lives in the gateway that served the console (the built-in profile's). */
export function libraryConnection(): Connection {
  const s = useStudio.getState();
  const builtin = s.profiles.find((p) => p.kind === 'builtin');
  return (builtin && connectionFor(builtin, s.gatewayUrls)) ?? { baseUrl: '' };
}

const lib = () => useStudio.getState().library;
const setLib = (patch: Parameters<ReturnType<typeof useStudio.getState>['setLibrary']>[0]) =>
  useStudio.getState().setLibrary(patch);

async function guarded<T>(busy: string, work: () => Promise<T>): Promise<T | undefined> {
  setLib({ busy, error: undefined, notice: undefined });
  try {
    return await work();
  } catch (e) {
    setLib({ error: e instanceof LibraryError || e instanceof Error ? e.message : String(e) });
    return undefined;
  } finally {
    setLib({ busy: undefined });
  }
}

/** Each list request's number: an answer older than the newest request is dropped. */
let listGeneration = 0;
let newestRefresh: Promise<void> = Promise.resolve();

/** Reloads the list; resolves once the newest list request (this one or a later one) is shown. */
export async function refreshLibrary(): Promise<void> {
  let current = loadList();
  newestRefresh = current;
  await current;
  while (current !== newestRefresh) {
    current = newestRefresh;
    await current;
  }
}

async function loadList(): Promise<void> {
  const generation = ++listGeneration;
  setLib({ status: lib().status === 'ready' ? 'ready' : 'loading' });
  try {
    const page = await library.list(libraryConnection(), { search: lib().search.trim() || undefined });
    // A later refresh (another search, a rename) was sent meanwhile: its answer is the one to show.
    if (generation !== listGeneration) return;
    const ids = new Set(page.data.map((r) => r.id));
    setLib({
      items: page.data,
      total: page.total,
      recording: page.recording,
      status: 'ready',
      error: undefined,
      selected: lib().selected.filter((id) => ids.has(id)),
    });
  } catch (e) {
    if (generation !== listGeneration) return;
    // 404: this gateway serves no recordings (recording off and no store given).
    if (e instanceof LibraryError && e.status === 404)
      setLib({ status: 'unavailable', items: [], total: 0, error: undefined });
    else setLib({ status: 'ready', error: (e as Error).message });
  }
}

function summaryOf(id: string): RecordingSummary | undefined {
  return lib().items.find((r) => r.id === id);
}

/**
 * Opens a recording as a timeline run: `instant` shows it at once; a speed plays it with the
 * recorded timing (pause, step and speed changes from the replay bar).
 */
export async function openRecording(id: string, speed: ReplaySpeed = 'instant', paused = false): Promise<void> {
  await guarded('open', async () => {
    const rec = await library.get(libraryConnection(), id);
    const runId = `replay-${++replayCounter}`;
    const s = useStudio.getState();
    let pending = false;
    const touch = () => {
      const st = useStudio.getState();
      const h = handles.get(runId);
      if (h) st.setPlayback(runId, { position: h.position, paused: h.paused });
      // One re-render per frame, as for live streams.
      if (pending) return;
      pending = true;
      const raf =
        typeof requestAnimationFrame === 'function' ? requestAnimationFrame : (cb: () => void) => setTimeout(cb, 16);
      raf(() => {
        pending = false;
        useStudio.getState().touch();
      });
    };
    const playback = playRecording(rec, runId, {
      speed,
      paused,
      onUpdate: touch,
      onEnd: () => {
        const h = handles.get(runId);
        useStudio.getState().setPlayback(runId, { done: true, position: h?.position ?? 0, paused: false });
        handles.delete(runId);
        useStudio.getState().touch();
      },
    });
    handles.set(runId, playback.handle);
    s.setPlayback(runId, {
      runId,
      recordingId: id,
      speed,
      paused,
      position: playback.handle.position,
      total: playback.total,
      done: false,
    });
    s.addRun(playback.run);
  });
}

export const playbackControls = {
  pause: (runId: string) => handles.get(runId)?.pause(),
  resume: (runId: string) => handles.get(runId)?.resume(),
  step: (runId: string) => handles.get(runId)?.step(),
  stop: (runId: string) => handles.get(runId)?.stop(),
  setSpeed(runId: string, speed: ReplaySpeed) {
    handles.get(runId)?.setSpeed(speed);
    useStudio.getState().setPlayback(runId, { speed });
  },
  /** Re-reads position and paused state after a control (step emits synchronously). */
  sync(runId: string) {
    const h = handles.get(runId);
    if (h) useStudio.getState().setPlayback(runId, { position: h.position, paused: h.paused });
  },
};

export async function renameRecording(id: string, name: string): Promise<void> {
  await guarded('rename', async () => {
    await library.update(libraryConnection(), id, { name: name.trim() === '' ? null : name.trim() });
    await refreshLibrary();
  });
}

/** Tags from a comma-separated list (blank entries dropped, duplicates once). */
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

export async function tagRecording(id: string, tagsText: string): Promise<void> {
  await guarded('tag', async () => {
    await library.update(libraryConnection(), id, { tags: parseTags(tagsText) });
    await refreshLibrary();
  });
}

export async function deleteRecording(id: string): Promise<void> {
  await guarded('delete', async () => {
    await library.remove(libraryConnection(), id);
    await refreshLibrary();
  });
}

export async function exportRecording(id: string, format: 'jsonl' | 'har'): Promise<void> {
  await guarded('export', async () => {
    const text = await library.exportText(libraryConnection(), id, format);
    const sessionId = summaryOf(id)?.sessionId ?? id;
    const saved = await saveTextFile(
      `${sessionId}.${format}`,
      text,
      format === 'har' ? 'application/json' : 'application/x-ndjson',
    );
    if (saved) setLib({ notice: `Exported ${saved}` });
  });
}

/** Imports recording files (JSON Lines); each file's error names the file. */
export async function importRecordingFiles(files: { name: string; text: string }[]): Promise<void> {
  await guarded('import', async () => {
    const imported: string[] = [];
    const duplicates: string[] = [];
    const failed: string[] = [];
    for (const f of files) {
      try {
        const answer = await library.importText(libraryConnection(), f.text);
        imported.push(...answer.ids);
        duplicates.push(...answer.duplicates);
      } catch (e) {
        failed.push(`${f.name}: ${(e as Error).message}`);
      }
    }
    await refreshLibrary();
    const read = files.length - failed.length;
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    setLib({
      notice:
        `Imported ${plural(imported.length, 'run')} from ${plural(read, 'file')}` +
        (duplicates.length
          ? ` · ${plural(duplicates.length, 'run')} already in the library, not added again (${duplicates.join(', ')})`
          : ''),
      error: failed.length ? failed.join('\n') : undefined,
    });
  });
}

const labelFor = (id: string): string => {
  const r = summaryOf(id);
  return r ? recordingLabel(r) : id;
};

export async function diffSelected(): Promise<void> {
  const [a, b] = lib().selected;
  if (!a || !b) {
    setLib({ error: 'Tick two recordings to compare them.' });
    return;
  }
  await guarded('diff', async () => {
    const result = await library.diff(libraryConnection(), a, b);
    setLib({
      diff: { a: { id: a, label: labelFor(a) }, b: { id: b, label: labelFor(b) }, title: 'Recording diff', result },
    });
  });
}

/**
 * Sends the recorded session again to a connection profile and shows its diff with the original.
 * The page names the profile; the gateway resolves it to that profile's gateway.
 */
export async function rerunRecording(id: string, profileId: string): Promise<void> {
  const s = useStudio.getState();
  const profile = s.profiles.find((p) => p.id === profileId);
  if (!profile || !connectionFor(profile, s.gatewayUrls)) {
    setLib({ error: `Profile '${profile?.name ?? profileId}' is not connected: connect it in Connections first.` });
    return;
  }
  const name = profileLabel(profile, profile.id === s.activeProfileId ? s.health.backend : undefined);
  await guarded('rerun', async () => {
    // The built-in profile is the library's own gateway ('self'); the others go by their profile id.
    const answer = await library.rerun(libraryConnection(), id, profile.kind === 'builtin' ? 'self' : profile.id);
    await refreshLibrary();
    const first = answer.diffs.find((d) => d.recordedId === id) ?? answer.diffs[0];
    if (!first) throw new Error('the re-run produced no run to compare');
    setLib({
      diff: {
        a: { id: first.recordedId, label: labelFor(first.recordedId) },
        b: { id: first.rerunId, label: `re-run on ${name}` },
        title: `Re-run on ${name}`,
        result: first.diff,
      },
    });
  });
}

/** Puts a recorded request into the composer, with the switches it was sent with, to edit and resend. */
export async function openRecordingInComposer(id: string): Promise<void> {
  await guarded('open in composer', async () => {
    const rec = await library.get(libraryConnection(), id);
    openRequestInComposer(rec.request.body, rec.request.headers);
  });
}
