import { useMemo, useState } from 'react';
import { useStudio } from '../app/store.js';
import { ACTIONS, shortcutLabel } from './registry.js';

export function CommandPalette() {
  const open = useStudio((s) => s.paletteOpen);
  const setOpen = useStudio((s) => s.setPaletteOpen);
  const [query, setQuery] = useState('');
  const [cursor, setCursor] = useState(0);
  const matches = useMemo(() => ACTIONS.filter((a) => a.label.toLowerCase().includes(query.toLowerCase())), [query]);
  if (!open) return null;
  const close = () => {
    setOpen(false);
    setQuery('');
    setCursor(0);
  };
  const run = (i: number) => {
    const a = matches[i];
    close();
    a?.run();
  };
  return (
    <div className="palette-backdrop" onClick={close}>
      <div
        className="palette"
        role="dialog"
        aria-label="Command palette"
        onClick={(e) => e.stopPropagation()}
        data-testid="command-palette"
      >
        <input
          autoFocus
          placeholder="Type a command…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setCursor(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') setCursor((c) => Math.min(matches.length - 1, c + 1));
            else if (e.key === 'ArrowUp') setCursor((c) => Math.max(0, c - 1));
            else if (e.key === 'Enter') run(cursor);
            else if (e.key === 'Escape') close();
            else return;
            e.preventDefault();
            e.stopPropagation();
          }}
        />
        <ul>
          {matches.map((a, i) => (
            <li
              key={a.id}
              className={i === cursor ? 'active' : ''}
              onMouseEnter={() => setCursor(i)}
              onClick={() => run(i)}
            >
              <span>{a.label}</span>
              {a.shortcut ? <kbd>{shortcutLabel(a.shortcut)}</kbd> : null}
            </li>
          ))}
          {matches.length === 0 ? <li className="muted">No command matches “{query}”.</li> : null}
        </ul>
      </div>
    </div>
  );
}
