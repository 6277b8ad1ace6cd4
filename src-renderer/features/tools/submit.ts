/**
 * Answering function calls: in session mode the outputs go to the live response
 * (`POST /v1/responses/{id}/tool_outputs`); otherwise a new request continues the conversation
 * with `previous_response_id`, linked to the first run in the timeline.
 */
import { useStudio } from '../../app/store.js';
import { postJson } from '../../lib/gateway-client.js';
import { sessionHeader } from '../gateway/capabilities.js';
import type { Run } from '../timeline/run-model.js';
import { sendRequest } from '../composer/send.js';
import { functionCalls } from './pending.js';

export interface ToolOutput {
  callId: string;
  output: string;
}

export function isSessionRun(run: Run): boolean {
  return run.requestHeaders[sessionHeader(useStudio.getState().capabilities)] === 'on';
}

export async function submitToolOutputs(run: Run, outputs: ToolOutput[]): Promise<boolean> {
  const s = useStudio.getState();
  s.setToolError(undefined);
  if (!run.responseId) {
    s.setToolError('The response has no id yet: wait for response.created.');
    return false;
  }
  if (isSessionRun(run) && (run.status === 'streaming' || run.status === 'waiting')) {
    const connection = s.activeConnection();
    if (!connection) return false;
    const res = await postJson(connection, `/v1/responses/${encodeURIComponent(run.responseId)}/tool_outputs`, {
      tool_outputs: outputs.map((o) => ({ call_id: o.callId, output: o.output })),
    });
    if (res.status >= 200 && res.status < 300) {
      for (const o of outputs) s.markAnswered(o.callId, o.output);
      return true;
    }
    const err = (res.body as { error?: { message?: string } } | null)?.error?.message ?? res.error ?? '';
    s.setToolError(
      `tool_outputs failed (HTTP ${res.status}): ${err}${res.status === 404 ? ' — session mode may not be available on this gateway' : ''}`,
    );
    return false;
  }
  // Continue with previous_response_id: same model and tools, the outputs as input items.
  const body: Record<string, unknown> = {
    model: run.request.model,
    previous_response_id: run.responseId,
    input: outputs.map((o) => ({ type: 'function_call_output', call_id: o.callId, output: o.output })),
    stream: true,
  };
  for (const key of ['tools', 'reasoning', 'text', 'include', 'instructions'])
    if (run.request[key] !== undefined) body[key] = run.request[key];
  for (const o of outputs) s.markAnswered(o.callId, o.output);
  const next = await sendRequest({ body, linkedFrom: run.id });
  return next !== null;
}

/** Answers every pending call that has a saved mock, when mocks are enabled. */
export async function autoAnswerWithMocks(run: Run): Promise<void> {
  const s = useStudio.getState();
  if (!s.mocksEnabled) return;
  const calls = functionCalls(run).filter((c) => c.complete && !s.answered[c.callId] && s.mocks[c.name] !== undefined);
  if (!calls.length || calls.length !== functionCalls(run).filter((c) => !s.answered[c.callId]).length) return;
  await submitToolOutputs(
    run,
    calls.map((c) => ({ callId: c.callId, output: s.mocks[c.name] })),
  );
}
