/** The console's one Zustand store, composed of per-feature slices. */
import { create } from 'zustand';
import { createConnectionsSlice, type ConnectionsSlice } from '../features/connections/slice.js';
import { createComposerSlice, type ComposerSlice } from '../features/composer/slice.js';
import { createTimelineSlice, type TimelineSlice } from '../features/timeline/slice.js';
import { createToolsSlice, type ToolsSlice } from '../features/tools/slice.js';
import { createLibrarySlice, type LibrarySlice } from '../features/library/slice.js';

export type Theme = 'dark' | 'light';
export type SidePanel = 'library' | 'tools' | 'rate-limits' | 'context' | 'gateway' | 'connections';

export interface UiSlice {
  theme: Theme;
  paletteOpen: boolean;
  sidePanel: SidePanel;
  setTheme(theme: Theme): void;
  setPaletteOpen(open: boolean): void;
  setSidePanel(panel: SidePanel): void;
}

export type StudioState = ConnectionsSlice & ComposerSlice & TimelineSlice & ToolsSlice & LibrarySlice & UiSlice;

function initialTheme(): Theme {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem('studio.theme') : null;
  if (saved === 'light' || saved === 'dark') return saved;
  return typeof matchMedia !== 'undefined' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

export const useStudio = create<StudioState>()((...a) => {
  const [set] = a;
  return {
    ...createConnectionsSlice(...a),
    ...createComposerSlice(...a),
    ...createTimelineSlice(...a),
    ...createToolsSlice(...a),
    ...createLibrarySlice(...a),
    theme: initialTheme(),
    paletteOpen: false,
    sidePanel: 'tools',
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
  };
});
