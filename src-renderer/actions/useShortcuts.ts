import { useEffect } from 'react';
import { useStudio } from '../app/store.js';
import { ACTIONS, matchesShortcut } from './registry.js';

/** One keydown listener for every registered shortcut. */
export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // The palette owns the keyboard while open (Escape closes it, not the stream).
      if (useStudio.getState().paletteOpen) return;
      const inEditor =
        e.target instanceof HTMLElement &&
        (e.target.closest('.monaco-editor') !== null || ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.target.tagName));
      for (const a of ACTIONS) {
        if (!a.shortcut || !matchesShortcut(a.shortcut, e)) continue;
        if (inEditor && !a.global) continue;
        // Handled here, in the capture phase: the editor must not also act on it (Monaco inserts a
        // line on Ctrl+Enter and selects occurrences on Ctrl+Shift+L).
        e.preventDefault();
        e.stopPropagation();
        a.run();
        return;
      }
    };
    // Capture phase: Monaco would otherwise swallow Ctrl+Enter.
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
}
