import type { StateCreator } from 'zustand';
import type { StudioState } from '../../app/store.js';

export interface ToolsSlice {
  /** Canned JSON output per tool name, answered automatically when mocks are enabled. */
  mocks: Record<string, string>;
  mocksEnabled: boolean;
  /** call_id → output already submitted (so a call is not answered twice). */
  answered: Record<string, string>;
  toolError?: string;
  setMock(tool: string, output: string | null): void;
  setMocksEnabled(on: boolean): void;
  markAnswered(callId: string, output: string): void;
  setToolError(message: string | undefined): void;
}

function loadMocks(): Record<string, string> {
  try {
    const raw = typeof localStorage !== 'undefined' ? localStorage.getItem('studio.mocks') : null;
    return raw ? (JSON.parse(raw) as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export const createToolsSlice: StateCreator<StudioState, [], [], ToolsSlice> = (set, get) => ({
  mocks: loadMocks(),
  mocksEnabled: false,
  answered: {},
  setMock(tool, output) {
    const mocks = { ...get().mocks };
    if (output === null) delete mocks[tool];
    else mocks[tool] = output;
    localStorage.setItem('studio.mocks', JSON.stringify(mocks));
    set({ mocks });
  },
  setMocksEnabled(mocksEnabled) {
    set({ mocksEnabled });
  },
  markAnswered(callId, output) {
    set({ answered: { ...get().answered, [callId]: output } });
  },
  setToolError(toolError) {
    set({ toolError });
  },
});
