import type { StateCreator } from 'zustand';
import type { StudioState } from '../../app/store.js';
import type { Run } from './run-model.js';

export interface TimelineSlice {
  runs: Run[];
  activeRunId: string | null;
  /** Bumped whenever a run's rows or items change in place (see run-model.ts). */
  version: number;
  selectedRow: number | null;
  /** Keyboard cursor in the timeline (a row index); Enter selects it. */
  cursorRow: number | null;
  typeFilter: string;
  textFilter: string;
  addRun(run: Run): void;
  touch(): void;
  selectRun(id: string): void;
  selectRow(index: number | null): void;
  setCursorRow(index: number | null): void;
  setFilters(patch: { typeFilter?: string; textFilter?: string }): void;
  clearRuns(): void;
  activeRun(): Run | null;
}

export const createTimelineSlice: StateCreator<StudioState, [], [], TimelineSlice> = (set, get) => ({
  runs: [],
  activeRunId: null,
  version: 0,
  selectedRow: null,
  cursorRow: null,
  typeFilter: '',
  textFilter: '',
  addRun(run) {
    set({
      runs: [...get().runs, run],
      activeRunId: run.id,
      selectedRow: null,
      cursorRow: null,
      version: get().version + 1,
    });
  },
  touch() {
    set({ version: get().version + 1 });
  },
  selectRun(activeRunId) {
    set({ activeRunId, selectedRow: null, cursorRow: null });
  },
  selectRow(selectedRow) {
    set({ selectedRow, cursorRow: selectedRow });
  },
  setCursorRow(cursorRow) {
    set({ cursorRow });
  },
  setFilters(patch) {
    set(patch);
  },
  clearRuns() {
    set({ runs: [], activeRunId: null, selectedRow: null, cursorRow: null, version: get().version + 1 });
  },
  activeRun() {
    const { runs, activeRunId } = get();
    return runs.find((r) => r.id === activeRunId) ?? null;
  },
});
