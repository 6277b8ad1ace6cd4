import type { StateCreator } from 'zustand';
import type { StudioState } from '../../app/store.js';
import { templateText, TEMPLATES } from './templates.js';

export type Dialect = 'openai' | 'open-responses';
/** How a request goes to the gateway: POST with SSE, or a `response.create` message on a WebSocket. */
export type Transport = 'http' | 'websocket';
export type SimulatorFault =
  '' | 'error_chunk' | 'malformed_chunk' | 'truncate' | 'stall' | 'rate_limit' | 'server_error';

export interface ComposerSlice {
  requestText: string;
  dialect: Dialect;
  transport: Transport;
  extensions: boolean;
  sessionMode: boolean;
  fault: SimulatorFault;
  ttftMs: string;
  tokenMs: string;
  /** Exact number of content deltas the simulator sends (x-simulator-deltas). */
  deltas: string;
  /** Tool the simulator calls (x-simulator-tool), by the function name the backend sees. */
  simTool: string;
  /** Its arguments, a JSON object (x-simulator-tool-arguments); generated from the schema when empty. */
  simToolArguments: string;
  composerError?: string;
  setRequestText(text: string): void;
  applyTemplate(id: string): void;
  setComposer(
    patch: Partial<
      Pick<
        ComposerSlice,
        | 'dialect'
        | 'transport'
        | 'extensions'
        | 'sessionMode'
        | 'fault'
        | 'ttftMs'
        | 'tokenMs'
        | 'deltas'
        | 'simTool'
        | 'simToolArguments'
      >
    >,
  ): void;
  setComposerError(message: string | undefined): void;
}

export const createComposerSlice: StateCreator<StudioState, [], [], ComposerSlice> = (set) => ({
  requestText: templateText('plain'),
  dialect: 'openai',
  transport: 'http',
  // The console shows everything by default: extension events on.
  extensions: true,
  sessionMode: false,
  fault: '',
  ttftMs: '',
  tokenMs: '',
  deltas: '',
  simTool: '',
  simToolArguments: '',
  setRequestText(requestText) {
    set({ requestText, composerError: undefined });
  },
  applyTemplate(id) {
    const t = TEMPLATES.find((x) => x.id === id);
    set({ requestText: templateText(id), sessionMode: t?.sessionMode ?? false, composerError: undefined });
  },
  setComposer(patch) {
    set(patch);
  },
  setComposerError(composerError) {
    set({ composerError });
  },
});
