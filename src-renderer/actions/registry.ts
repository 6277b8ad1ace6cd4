/**
 * Every user command, registered once: buttons, the command palette and keyboard shortcuts all
 * read this list, so a shortcut shown in the palette is the one that works.
 */
import { useStudio, type SidePanel } from '../app/store.js';
import { sendRequest, stopRequest } from '../features/composer/send.js';
import { TEMPLATES } from '../features/composer/templates.js';
import {
  diffSelected,
  exportRecording,
  openRecording,
  openRecordingInComposer,
  refreshLibrary,
  rerunRecording,
} from '../features/library/actions.js';
import { openRunInComposer } from '../features/timeline/edit-run.js';
import { copySnippet } from './copy.js';

export interface Action {
  id: string;
  label: string;
  /** e.g. "Mod+Enter" (Mod = Ctrl, or Cmd on macOS), "Escape", "Mod+K". */
  shortcut?: string;
  /** Shortcuts that must work while typing in an editor or a field. */
  global?: boolean;
  run(): void;
}

const panel = (id: SidePanel, label: string, key: string): Action => ({
  id: `panel.${id}`,
  label,
  shortcut: `Mod+${key}`,
  global: true,
  run: () => useStudio.getState().setSidePanel(id),
});

/** The recording the session actions apply to: the one ticked last, else the newest. */
function currentRecordingId(): string | null {
  const lib = useStudio.getState().library;
  return lib.selected[lib.selected.length - 1] ?? lib.items[0]?.id ?? null;
}

const withRecording = (work: (id: string) => Promise<void>) => () => {
  const s = useStudio.getState();
  s.setSidePanel('library');
  const run = async () => {
    if (s.library.status !== 'ready') await refreshLibrary();
    const id = currentRecordingId();
    if (id) await work(id);
    else s.setLibrary({ error: 'No recording yet: send a request first.' });
  };
  void run();
};

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
    global: true,
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
    run: () => {
      useStudio.getState().setRunView('events');
      // The filter field appears with the Events view.
      setTimeout(() => document.getElementById('timeline-filter-text')?.focus(), 0);
    },
  },
  {
    id: 'timeline.focus',
    label: 'Focus the event list (arrow keys, Enter)',
    run: () => {
      useStudio.getState().setRunView('events');
      setTimeout(() => (document.querySelector('[data-testid="event-scroll"]') as HTMLElement | null)?.focus(), 0);
    },
  },
  { id: 'view.events', label: 'Show the run’s events', run: () => useStudio.getState().setRunView('events') },
  {
    id: 'view.conversation',
    label: 'Show the run as a conversation',
    run: () => {
      useStudio.getState().setRunView('events');
      useStudio.getState().setDetailView('conversation');
    },
  },
  {
    id: 'view.assembled',
    label: 'Show what the events assembled into',
    run: () => useStudio.getState().setDetailView('assembled'),
  },
  {
    id: 'view.exchange',
    label: 'Show the run’s HTTP exchange',
    run: () => useStudio.getState().setRunView('exchange'),
  },
  {
    id: 'run.edit',
    label: 'Edit and resend the selected run',
    run: () => {
      const run = useStudio.getState().activeRun();
      if (run) openRunInComposer(run);
    },
  },
  { id: 'gateway.refresh', label: 'Refresh gateway health', run: () => void useStudio.getState().refreshHealth() },
  panel('tools', 'Show tool calls', '1'),
  panel('rate-limits', 'Show rate limits', '2'),
  panel('context', 'Show encrypted context', '3'),
  panel('gateway', 'Show gateway', '4'),
  panel('connections', 'Show connections', '5'),
  panel('library', 'Show sessions library', '6'),
  panel('saved', 'Show saved requests', '7'),
  { id: 'library.diff', label: 'Sessions: diff the two ticked recordings', run: () => void diffSelected() },
  {
    id: 'library.open',
    label: 'Sessions: open the selected recording in the timeline',
    run: withRecording((id) => openRecording(id, 'instant')),
  },
  {
    id: 'library.replay',
    label: 'Sessions: replay the selected recording at 1×',
    run: withRecording((id) => openRecording(id, 1)),
  },
  {
    id: 'library.step',
    label: 'Sessions: step through the selected recording',
    run: withRecording((id) => openRecording(id, 1, true)),
  },
  {
    id: 'library.edit',
    label: 'Sessions: edit the selected recording’s request in the composer',
    run: withRecording((id) => openRecordingInComposer(id)),
  },
  {
    id: 'library.rerun',
    label: 'Sessions: re-run the selected recording on the built-in gateway and diff',
    run: withRecording((id) => rerunRecording(id, 'builtin')),
  },
  {
    id: 'library.export-jsonl',
    label: 'Sessions: export the selected recording as JSONL',
    run: withRecording((id) => exportRecording(id, 'jsonl')),
  },
  {
    id: 'library.export-har',
    label: 'Sessions: export the selected recording as HAR',
    run: withRecording((id) => exportRecording(id, 'har')),
  },
  { id: 'copy.curl', label: 'Copy request as curl', run: () => copySnippet('curl') },
  { id: 'copy.node', label: 'Copy request as openai-node', run: () => copySnippet('node') },
  { id: 'copy.python', label: 'Copy request as Python', run: () => copySnippet('python') },
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
