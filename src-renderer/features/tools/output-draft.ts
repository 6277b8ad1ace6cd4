/**
 * What the answer form sends for a function call: exactly the text the user typed, as the
 * `output` string. JSON mode only checks that the text is JSON (it is never re-encoded or
 * wrapped); text mode sends any text. The preview is the exact JSON that will go on the wire.
 */
export type OutputMode = 'json' | 'text';

export interface OutputDraft {
  /** The `output` string to send, or null when the text cannot be sent in this mode. */
  output: string | null;
  error?: string;
  /** The body fragment that will be sent: a function_call_output item, or a tool_outputs entry. */
  preview: Record<string, unknown> | null;
}

export function outputDraft(text: string, mode: OutputMode, callId: string, session: boolean): OutputDraft {
  if (mode === 'json') {
    if (text.trim() === '')
      return { output: null, error: 'Type the tool’s JSON result (or switch to Text).', preview: null };
    try {
      JSON.parse(text);
    } catch (e) {
      return { output: null, error: `Not valid JSON: ${(e as Error).message}`, preview: null };
    }
  }
  return { output: text, preview: outputItem(callId, text, session) };
}

/** The wire shape of one output: an input item for previous_response_id, or a session tool_outputs entry. */
export function outputItem(callId: string, output: string, session: boolean): Record<string, unknown> {
  return session ? { call_id: callId, output } : { type: 'function_call_output', call_id: callId, output };
}
