/** The console's one Zustand store, composed of per-feature slices. */
import { create } from 'zustand';
import { createConnectionsSlice, type ConnectionsSlice } from '../features/connections/slice.js';
import { createComposerSlice, type ComposerSlice } from '../features/composer/slice.js';
import { createTimelineSlice, type TimelineSlice } from '../features/timeline/slice.js';
import { createToolsSlice, type ToolsSlice } from '../features/tools/slice.js';
import { createLibrarySlice, type LibrarySlice } from '../features/library/slice.js';
import { createSavedSlice, type SavedSlice } from '../features/saved/slice.js';

export type Theme = 'dark' | 'light';
export type SidePanel = 'library' | 'tools' | 'rate-limits' | 'context' | 'gateway' | 'connections' | 'saved';
/** What the centre column shows for the selected run: its events (with the detail panes below) or its HTTP exchange. */
export type RunView = 'events' | 'exchange';
/** Beside the event detail: what the events add up to, or the run as a conversation. */
export type DetailView = 'assembled' | 'conversation';

export interface UiSlice {
  theme: Theme;
  paletteOpen: boolean;
  sidePanel: SidePanel;
  runView: RunView;
  detailView: DetailView;
  /** A short confirmation ("Copied curl"), cleared after a moment. */
  toast: { text: string; at: number } | null;
  setTheme(theme: Theme): void;
  setPaletteOpen(open: boolean): void;
  setSidePanel(panel: SidePanel): void;
  setRunView(view: RunView): void;
  setDetailView(view: DetailView): void;
  showToast(text: string): void;
}

export type StudioState = ConnectionsSlice &
  ComposerSlice &
  TimelineSlice &
  ToolsSlice &
  LibrarySlice &
  SavedSlice &
  UiSlice;

function initialTheme(): Theme {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem('studio.theme') : null;
  if (saved === 'light' || saved === 'dark') return saved;
  return typeof matchMedia !== 'undefined' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

export const useStudio = create<StudioState>()((...a) => {
  const [set, get] = a;
  return {
    ...createConnectionsSlice(...a),
    ...createComposerSlice(...a),
    ...createTimelineSlice(...a),
    ...createToolsSlice(...a),
    ...createLibrarySlice(...a),
    ...createSavedSlice(...a),
    theme: initialTheme(),
    paletteOpen: false,
    sidePanel: 'tools',
    runView: 'events',
    detailView: 'assembled',
    toast: null,
    setTheme(theme) {
      localStorage.setItem('studio.theme', theme);
      void window.studio?.window.setTheme(theme);
      set({ theme });
    },
    setPaletteOpen(paletteOpen) {
      set({ paletteOpen });
    },
    setSidePanel(sidePanel) {
      set({ sidePanel });
    },
    setRunView(runView) {
      set({ runView });
    },
    setDetailView(detailView) {
      set({ detailView });
    },
    showToast(text) {
      const toast = { text, at: Date.now() };
      set({ toast });
      setTimeout(() => {
        if (get().toast === toast) set({ toast: null });
      }, 2500);
    },
  };
});
