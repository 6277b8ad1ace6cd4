/** Shortcut strings ("Mod+Enter", "Escape") matched against keyboard events. */
const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** Whether a keyboard event matches a shortcut string. */
export function matchesShortcut(
  shortcut: string,
  e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>,
  mac = isMac,
): boolean {
  const parts = shortcut.split('+');
  const key = parts[parts.length - 1];
  const wantMod = parts.includes('Mod');
  const wantShift = parts.includes('Shift');
  const mod = mac ? e.metaKey : e.ctrlKey;
  if (wantMod !== mod || wantShift !== e.shiftKey || e.altKey) return false;
  return e.key.toLowerCase() === key.toLowerCase();
}

export function shortcutLabel(shortcut: string, mac = isMac): string {
  return shortcut.replace('Mod', mac ? '⌘' : 'Ctrl');
}
