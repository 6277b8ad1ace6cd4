import { describe, expect, test } from 'vitest';
import { matchesShortcut, shortcutLabel } from './shortcuts.js';

const key = (k: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe('keyboard shortcuts', () => {
  test('Mod is Ctrl elsewhere and Cmd on macOS', () => {
    expect(matchesShortcut('Mod+Enter', key('Enter', { ctrlKey: true }), false)).toBe(true);
    expect(matchesShortcut('Mod+Enter', key('Enter', { metaKey: true }), false)).toBe(false);
    expect(matchesShortcut('Mod+Enter', key('Enter', { metaKey: true }), true)).toBe(true);
  });
  test('modifiers must match exactly', () => {
    expect(matchesShortcut('Mod+Shift+L', key('L', { ctrlKey: true, shiftKey: true }), false)).toBe(true);
    expect(matchesShortcut('Mod+Shift+L', key('l', { ctrlKey: true }), false)).toBe(false);
    expect(matchesShortcut('Escape', key('Escape'), false)).toBe(true);
    expect(matchesShortcut('Escape', key('Escape', { altKey: true }), false)).toBe(false);
  });
  test('labels', () => {
    expect(shortcutLabel('Mod+K', false)).toBe('Ctrl+K');
    expect(shortcutLabel('Mod+K', true)).toBe('⌘+K');
  });
});
