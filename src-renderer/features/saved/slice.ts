import type { StateCreator } from 'zustand';
import type { StudioState } from '../../app/store.js';
import { emptySavedRequests, type SavedRequestsDoc } from '../../../src-server/shared/saved-requests.js';

export interface SavedSlice {
  saved: {
    doc: SavedRequestsDoc;
    /** Kept across restarts by the console's server (false: memory only, or not loaded). */
    persistent: boolean;
    status: 'idle' | 'ready' | 'unavailable';
    error?: string;
    notice?: string;
    /** Collection whose variables fill the composer's placeholders (null: none). */
    activeCollectionId: string | null;
    /** Saved request loaded into the composer, when it is one. */
    activeRequestId: string | null;
  };
  setSaved(patch: Partial<SavedSlice['saved']>): void;
}

export const createSavedSlice: StateCreator<StudioState, [], [], SavedSlice> = (set, get) => ({
  saved: {
    doc: emptySavedRequests(),
    persistent: false,
    status: 'idle',
    activeCollectionId: null,
    activeRequestId: null,
  },
  setSaved(patch) {
    set({ saved: { ...get().saved, ...patch } });
  },
});

/** The variables the composer's placeholders resolve with: the active collection's. */
export function activeVariables(state: Pick<StudioState, 'saved'>): Record<string, string> {
  const { doc, activeCollectionId } = state.saved;
  return doc.collections.find((c) => c.id === activeCollectionId)?.variables ?? {};
}
