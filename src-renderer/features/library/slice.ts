import type { StateCreator } from 'zustand';
import type { StudioState } from '../../app/store.js';
import type { RecordingDiff } from '../../../src-server/shared/recording-format/diff.js';
import type { ReplaySpeed } from '../../../src-server/shared/recording-format/replay.js';
import type { RecordingSummary } from './library-client.js';

export interface DiffView {
  a: { id: string; label: string };
  b: { id: string; label: string };
  /** Why these two are compared (e.g. a re-run against a profile). */
  title: string;
  result: RecordingDiff;
}

/** State of the playback attached to a timeline run. */
export interface PlaybackState {
  runId: string;
  recordingId: string;
  speed: ReplaySpeed;
  paused: boolean;
  position: number;
  total: number;
  done: boolean;
}

export interface LibraryState {
  items: RecordingSummary[];
  total: number;
  /** Whether the gateway records new runs (null until the first answer). */
  recording: boolean | null;
  status: 'idle' | 'loading' | 'ready' | 'unavailable';
  error?: string;
  notice?: string;
  search: string;
  /** Ids ticked for a diff (at most two, oldest first). */
  selected: string[];
  busy?: string;
  diff: DiffView | null;
  playbacks: Record<string, PlaybackState>;
}

export interface LibrarySlice {
  library: LibraryState;
  setLibrary(patch: Partial<LibraryState>): void;
  setPlayback(runId: string, patch: Partial<PlaybackState> | null): void;
  toggleLibrarySelection(id: string): void;
}

export const createLibrarySlice: StateCreator<StudioState, [], [], LibrarySlice> = (set, get) => ({
  library: {
    items: [],
    total: 0,
    recording: null,
    status: 'idle',
    search: '',
    selected: [],
    diff: null,
    playbacks: {},
  },
  setLibrary(patch) {
    set({ library: { ...get().library, ...patch } });
  },
  setPlayback(runId, patch) {
    const playbacks = { ...get().library.playbacks };
    if (patch === null) delete playbacks[runId];
    else playbacks[runId] = { ...(playbacks[runId] as PlaybackState), ...patch };
    set({ library: { ...get().library, playbacks } });
  },
  toggleLibrarySelection(id) {
    const selected = get().library.selected;
    // Keeps the two most recent picks: a diff compares exactly two runs.
    const next = selected.includes(id) ? selected.filter((x) => x !== id) : [...selected, id].slice(-2);
    set({ library: { ...get().library, selected: next } });
  },
});
