/**
 * Answering function calls: in session mode the outputs go to the live response
 * (`POST /v1/responses/{id}/tool_outputs`, recorded as an exchange of the run); otherwise a new
 * request continues the conversation with `previous_response_id`, linked to the first run in the
 * timeline. While a session-mode response waits, the gateway's own session state says for which
 * calls (`GET /v1/responses/{id}/session`).
 */
import { useStudio } from '../../app/store.js';
import { ExchangeRecorder } from '../../lib/exchange.js';
import { getJson, sendJson } from '../../lib/gateway-client.js';
import { sessionHeader } from '../gateway/capabilities.js';
import { isLive, type Run } from '../timeline/run-model.js';
import { outputItem } from './output-draft.js';
import { unansweredCalls } from './pending.js';

export interface ToolOutput {
  callId: string;
  output: string;
}

/**
 * Sends the request that continues a response (composer/send.ts `sendRequest`), passed in by the
 * caller: the composer calls into this module, so this module does not import the composer.
 */
export type ContinueWith = (options: {
  body: Record<string, unknown>;
  linkedFrom: string;
  profileId?: string;
}) => Promise<Run | null>;

/** The gateway's answer to GET /v1/responses/{id}/session (docs/state.md). */
interface SessionState {
  status: 'waiting' | 'generating';
  pending_call_ids: string[];
}

/** Quiet time after a function call's output_item.done before the console asks whether the stream waits. */
const WAIT_CHECK_MS = 150;

export function isSessionRun(run: Run): boolean {
  return run.requestHeaders[sessionHeader(useStudio.getState().capabilities)] === 'on';
}

/** The gateway's tool-output timeout in seconds, from the flags it reports (undefined: not reported). */
export function toolTimeoutSeconds(caps: Record<string, unknown> | null): number | undefined {
  const flags = (caps?.gateway as { flags?: Record<string, unknown> } | undefined)?.flags;
  const v = flags?.['responses-tool-timeout'];
  return typeof v === 'number' ? v : undefined;
}

const checks = new WeakMap<Run, ReturnType<typeof setTimeout>>();

/**
 * Called on every output_item.done of a session-mode run: once the stream has been quiet for
 * WAIT_CHECK_MS with calls unanswered, asks the gateway whether the response now waits for tool
 * outputs, and marks the run `waiting` with the calls the gateway names.
 */
export function watchToolWait(run: Run): void {
  clearTimeout(checks.get(run));
  const rowsAtCall = run.rows.length;
  checks.set(
    run,
    setTimeout(() => {
      checks.delete(run);
      void checkToolWait(run, rowsAtCall);
    }, WAIT_CHECK_MS),
  );
}

async function checkToolWait(run: Run, rowsAtCall: number): Promise<void> {
  const s = useStudio.getState();
  if (!isLive(run) || !run.responseId || run.rows.length !== rowsAtCall) return;
  if (unansweredCalls(run, s.answered).filter((c) => c.complete).length === 0) return;
  const connection = s.connectionFor(run.profileId);
  if (!connection) return;
  const res = await getJson<SessionState>(connection, `/v1/responses/${encodeURIComponent(run.responseId)}/session`);
  // An event arrived meanwhile, or the run ended: the answer is stale.
  if (res.status !== 200 || !res.body || run.rows.length !== rowsAtCall || !isLive(run)) return;
  if (res.body.status !== 'waiting') return;
  run.status = 'waiting';
  run.waiting = {
    pendingCallIds: res.body.pending_call_ids,
    since: run.sentAt + run.lastT,
    timeoutSeconds: toolTimeoutSeconds(s.capabilities),
  };
  s.touch();
}

export async function submitToolOutputs(run: Run, outputs: ToolOutput[], continueWith: ContinueWith): Promise<boolean> {
  const s = useStudio.getState();
  s.setToolError(undefined);
  if (!run.responseId) {
    s.setToolError('The response has no id yet: wait for response.created.');
    return false;
  }
  if (isSessionRun(run) && isLive(run)) {
    const connection = s.connectionFor(run.profileId);
    if (!connection) return false;
    const record = new ExchangeRecorder('Tool outputs');
    run.exchanges.push(record.exchange);
    const res = await sendJson<{ pending_call_ids?: string[] }>(
      connection,
      `/v1/responses/${encodeURIComponent(run.responseId)}/tool_outputs`,
      { tool_outputs: outputs.map((o) => outputItem(o.callId, o.output, true)) },
      { record },
    );
    s.touch();
    if (res.status >= 200 && res.status < 300) {
      for (const o of outputs) s.markAnswered(o.callId, o.output);
      const pending = res.body?.pending_call_ids ?? [];
      if (run.waiting) run.waiting = pending.length ? { ...run.waiting, pendingCallIds: pending } : undefined;
      if (!run.waiting && run.status === 'waiting') run.status = 'streaming';
      s.touch();
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
    input: outputs.map((o) => outputItem(o.callId, o.output, false)),
    stream: true,
  };
  for (const key of ['tools', 'reasoning', 'text', 'include', 'instructions'])
    if (run.request[key] !== undefined) body[key] = run.request[key];
  for (const o of outputs) s.markAnswered(o.callId, o.output);
  const next = await continueWith({ body, linkedFrom: run.id, profileId: run.profileId });
  return next !== null;
}

/** Answers every pending call that has a saved mock, when mocks are enabled. */
export async function autoAnswerWithMocks(run: Run, continueWith: ContinueWith): Promise<void> {
  const s = useStudio.getState();
  if (!s.mocksEnabled) return;
  const open = unansweredCalls(run, s.answered);
  const calls = open.filter((c) => c.complete && s.mocks[c.name] !== undefined);
  if (!calls.length || calls.length !== open.length) return;
  await submitToolOutputs(
    run,
    calls.map((c) => ({ callId: c.callId, output: s.mocks[c.name] })),
    continueWith,
  );
}
