/**
 * Sending a request and feeding its stream into the timeline. Events are applied to the run as
 * they arrive (nothing is dropped or coalesced); React re-renders at most once per frame.
 */
import { useStudio } from '../../app/store.js';
import { streamResponse, streamResponseOverWebSocket } from '../../lib/gateway-client.js';
import { createEventChecker } from '../../lib/stream-check.js';
import { applyEvent, applyStart, finishRun, newRun, type Run } from '../timeline/run-model.js';
import { sessionHeader } from '../gateway/capabilities.js';
import { retryBlock } from '../rate-limits/retry-block.js';
import { autoAnswerWithMocks, watchToolWait } from '../tools/submit.js';
import { resolveVariables } from '../saved/variables.js';
import { activeVariables } from '../saved/slice.js';

let controller: AbortController | null = null;
let runCounter = 0;

/** Coalesces re-renders to one per animation frame. */
export function scheduleTouch(): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    const raf =
      typeof requestAnimationFrame === 'function' ? requestAnimationFrame : (cb: () => void) => setTimeout(cb, 16);
    raf(() => {
      pending = false;
      useStudio.getState().touch();
    });
  };
}

/** Headers the console adds from its switches. */
export function requestHeaders(): Record<string, string> {
  const s = useStudio.getState();
  const h: Record<string, string> = {
    'X-Responses-Dialect': s.dialect,
    'X-Responses-Extensions': s.extensions ? 'on' : 'off',
  };
  if (s.sessionMode) h[sessionHeader(s.capabilities)] = 'on';
  if (s.fault) h['x-simulator-fault'] = s.fault;
  if (s.ttftMs.trim()) h['x-simulator-ttft-ms'] = s.ttftMs.trim();
  if (s.tokenMs.trim()) h['x-simulator-token-ms'] = s.tokenMs.trim();
  if (s.deltas.trim()) h['x-simulator-deltas'] = s.deltas.trim();
  if (s.simTool.trim()) {
    h['x-simulator-tool'] = s.simTool.trim();
    // Header values are ASCII: other characters of the arguments go as JSON \u escapes.
    const args = s.simToolArguments
      .trim()
      .replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    if (args) h['x-simulator-tool-arguments'] = args;
  }
  return h;
}

/** The composer's request with the saved-request variables filled in, or null (the error is shown). */
export function parseComposer(): Record<string, unknown> | null {
  const s = useStudio.getState();
  try {
    const body: unknown = JSON.parse(resolveVariables(s.requestText, activeVariables(s)));
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('the request must be a JSON object');
    return body as Record<string, unknown>;
  } catch (e) {
    s.setComposerError(`Request is not valid JSON: ${(e as Error).message}`);
    return null;
  }
}

export function isSending(): boolean {
  return controller !== null;
}

/** Sends `body` (default: the composer's request) and streams it into a new run. */
export async function sendRequest(
  options: {
    body?: Record<string, unknown>;
    linkedFrom?: string;
    headers?: Record<string, string>;
    /** Profile to send to (a continuation goes where its run went); default: the active one. */
    profileId?: string;
  } = {},
): Promise<Run | null> {
  const s = useStudio.getState();
  const profileId = options.profileId ?? s.activeProfileId;
  const blocked = retryBlock(s.runs, profileId, Date.now());
  if (blocked) {
    s.setComposerError(
      `HTTP 429: the gateway asked to wait ${blocked.retryAfterSeconds} s (Retry-After); Send is available again in ${Math.ceil(blocked.leftMs / 1000)} s.`,
    );
    return null;
  }
  const body = options.body ?? parseComposer();
  if (!body) return null;
  const connection = s.connectionFor(profileId);
  if (!connection) {
    s.setComposerError('This profile is not connected yet: open Connections and press Connect.');
    return null;
  }
  controller?.abort();
  const ac = new AbortController();
  controller = ac;
  const headers = options.headers ?? requestHeaders();
  // A fault is injected into one send, never silently into the next ones.
  if (!options.headers && s.fault) s.setComposer({ fault: '' });
  const run = newRun(`run-${++runCounter}`, body, headers, Date.now(), options.linkedFrom);
  run.profileId = profileId;
  s.addRun(run);
  const checker = createEventChecker(run.dialect, run.extensions);
  const touch = scheduleTouch();
  const session = run.requestHeaders[sessionHeader(s.capabilities)] === 'on';
  // Session mode needs tool outputs on the same HTTP stream: it always goes over HTTP.
  const overWebSocket = s.transport === 'websocket' && !session;
  const result = await (overWebSocket ? streamResponseOverWebSocket : streamResponse)({
    connection,
    body: overWebSocket ? withSimulatorSuffix(body, headers) : body,
    headers,
    signal: ac.signal,
    onExchange: (x) => {
      run.exchanges.push(x);
      touch();
    },
    onStart: (start) => {
      run.answeredAt = Date.now();
      applyStart(run, start.status, start.headers);
      touch();
    },
    onEvent: (ev) => {
      applyEvent(run, ev, checker);
      touch();
      if (session && ev.type === 'response.output_item.done') {
        watchToolWait(run);
        void autoAnswerWithMocks(run, sendRequest);
      }
    },
  });
  finishRun(run, result, checker);
  if (controller === ac) controller = null;
  useStudio.getState().touch();
  if (!session) void autoAnswerWithMocks(run, sendRequest);
  return run;
}

export function stopRequest(): void {
  controller?.abort();
  controller = null;
}

/** `x-simulator-*` header → the simulator's model-name suffix key (backends/simulator/options.ts). */
const SIMULATOR_SUFFIX: Readonly<Record<string, string>> = {
  'x-simulator-fault': 'fault',
  'x-simulator-ttft-ms': 'ttft',
  'x-simulator-token-ms': 'token',
  'x-simulator-deltas': 'deltas',
};

/**
 * A browser cannot set headers on a WebSocket upgrade: the simulator switches travel the other
 * way the simulator reads them, as suffixes of the model name (`sim-chat+fault=rate_limit`).
 */
export function withSimulatorSuffix(
  body: Record<string, unknown>,
  headers: Record<string, string>,
): Record<string, unknown> {
  let suffix = '';
  for (const [name, value] of Object.entries(headers)) {
    const key = SIMULATOR_SUFFIX[name.toLowerCase()];
    if (key && value) suffix += `+${key}=${value}`;
  }
  return suffix && typeof body.model === 'string' ? { ...body, model: body.model + suffix } : body;
}
