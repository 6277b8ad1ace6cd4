/**
 * Every user command, registered once: buttons, the command palette and keyboard shortcuts all
 * read this list, so a shortcut shown in the palette is the one that works.
 */
import { useStudio } from '../app/store.js';
import { sendRequest, stopRequest } from '../features/composer/send.js';
import { TEMPLATES } from '../features/composer/templates.js';

export interface Action {
  id: string;
  label: string;
  /** e.g. "Mod+Enter" (Mod = Ctrl, or Cmd on macOS), "Escape", "Mod+K". */
  shortcut?: string;
  /** Shortcuts that must work while typing in an editor. */
  global?: boolean;
  run(): void;
}

const copy = (text: string) => void navigator.clipboard?.writeText(text);

export const ACTIONS: Action[] = [
  { id: 'request.send', label: 'Send request', shortcut: 'Mod+Enter', global: true, run: () => void sendRequest() },
  { id: 'request.stop', label: 'Stop streaming', shortcut: 'Escape', global: true, run: stopRequest },
  {
    id: 'palette.open',
    label: 'Command palette',
    shortcut: 'Mod+K',
    global: true,
    run: () => useStudio.getState().setPaletteOpen(true),
  },
  {
    id: 'theme.toggle',
    label: 'Toggle dark / light theme',
    shortcut: 'Mod+Shift+L',
    run: () => {
      const s = useStudio.getState();
      s.setTheme(s.theme === 'dark' ? 'light' : 'dark');
    },
  },
  { id: 'timeline.clear', label: 'Clear timeline', run: () => useStudio.getState().clearRuns() },
  {
    id: 'timeline.filter',
    label: 'Filter timeline',
    shortcut: 'Mod+F',
    run: () => document.getElementById('timeline-filter-text')?.focus(),
  },
  { id: 'gateway.refresh', label: 'Refresh gateway health', run: () => void useStudio.getState().refreshHealth() },
  {
    id: 'panel.tools',
    label: 'Show tool calls',
    shortcut: 'Mod+1',
    run: () => useStudio.getState().setSidePanel('tools'),
  },
  {
    id: 'panel.rate-limits',
    label: 'Show rate limits',
    shortcut: 'Mod+2',
    run: () => useStudio.getState().setSidePanel('rate-limits'),
  },
  {
    id: 'panel.context',
    label: 'Show encrypted context',
    shortcut: 'Mod+3',
    run: () => useStudio.getState().setSidePanel('context'),
  },
  {
    id: 'panel.gateway',
    label: 'Show gateway',
    shortcut: 'Mod+4',
    run: () => useStudio.getState().setSidePanel('gateway'),
  },
  {
    id: 'panel.connections',
    label: 'Show connections',
    shortcut: 'Mod+5',
    run: () => useStudio.getState().setSidePanel('connections'),
  },
  {
    id: 'panel.library',
    label: 'Show sessions library',
    shortcut: 'Mod+6',
    run: () => useStudio.getState().setSidePanel('library'),
  },
  {
    id: 'library.diff',
    label: 'Diff the two ticked recordings',
    run: () => void import('../features/library/actions.js').then((m) => m.diffSelected()),
  },
  {
    id: 'copy.curl',
    label: 'Copy request as curl',
    run: () => void import('./copy.js').then((m) => copy(m.snippet('curl'))),
  },
  {
    id: 'copy.node',
    label: 'Copy request as openai-node',
    run: () => void import('./copy.js').then((m) => copy(m.snippet('node'))),
  },
  {
    id: 'copy.python',
    label: 'Copy request as Python',
    run: () => void import('./copy.js').then((m) => copy(m.snippet('python'))),
  },
  ...TEMPLATES.map((t) => ({
    id: `template.${t.id}`,
    label: `Template: ${t.label}`,
    run: () => useStudio.getState().applyTemplate(t.id),
  })),
];

export function findAction(id: string): Action {
  const a = ACTIONS.find((x) => x.id === id);
  if (!a) throw new Error(`unknown action ${id}`);
  return a;
}

export { matchesShortcut, shortcutLabel } from './shortcuts.js';
